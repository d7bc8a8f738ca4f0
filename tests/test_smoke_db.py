def test_fresh_database_has_river_v7(db):
    assert db.execute("SELECT max(version) FROM metadata.river_migration").fetchone()[0] == 7

"""Presign worker: answers Civic OS upload requests (kind `s3_presign`, queue `s3_signer`)."""

"""Object storage adapters: S3 (boto3) and the local disk."""

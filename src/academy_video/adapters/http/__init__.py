"""The HTTP API (Litestar): the contract in ../shared/contract/http-v1.md, over the use cases."""

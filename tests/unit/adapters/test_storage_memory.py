from pathlib import Path

from tests.contract.storage_suite import check_multipart_contract, check_storage_contract
from tests.fakes.media import InMemoryObjectStorage


def test_the_in_memory_store_keeps_the_contract(tmp_path: Path) -> None:
    storage = InMemoryObjectStorage()

    def get(url: str) -> bytes:
        return storage.objects[url.removeprefix("memory://").split("?")[0]]

    def put(url: str, data: bytes, content_type: str) -> str:
        return storage.put_url(url.split("?")[0], data)

    check_storage_contract(storage, put, get, tmp_path)
    check_multipart_contract(storage, put, get)

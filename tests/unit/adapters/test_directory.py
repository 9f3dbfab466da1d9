from academy_video.adapters.memory.directory import InMemoryDirectory
from tests.contract.directory_suite import check_directory_contract


def test_the_in_memory_directory_keeps_the_contract() -> None:
    check_directory_contract(InMemoryDirectory())

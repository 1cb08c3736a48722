"""`make run` keeps a service that keeps dying going, with growing pauses (issue #21 item 10)."""

from infra.run import restart_pause


def test_restarts_at_once_then_with_growing_pauses_never_giving_up() -> None:
    assert [restart_pause(n) for n in range(1, 6)] == [0.0] * 5
    assert [restart_pause(n) for n in range(6, 10)] == [2.0, 4.0, 8.0, 16.0]
    assert restart_pause(50) == 60.0

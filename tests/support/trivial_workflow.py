"""The benchmark baseline: a workflow that runs one activity. Kept apart so the workflow
sandbox imports nothing else."""

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="noop")
async def noop(n: int) -> int:
    return n


@workflow.defn(name="Trivial")
class Trivial:
    @workflow.run
    async def run(self, n: int) -> int:
        result: int = await workflow.execute_activity(
            noop, n, start_to_close_timeout=timedelta(seconds=30)
        )
        return result

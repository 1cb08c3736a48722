"""One Temporal workflow per engagement: selection → agreement → order → monitoring →
termination for cause → evaluation."""

TASK_QUEUE = "engagement"

"""OpenTelemetry, configured in one place.

A producer's span context travels in each event's `traceparent`, so a consumer's span joins
the producer's trace across NATS and across processes.
"""

import os

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None


def configure(service: str, processor: SpanProcessor | None = None) -> TracerProvider:
    """Install the tracer provider once per process; later calls only add processors.

    `OTEL_TRACES_CONSOLE=1` prints spans; an OTLP exporter can be added by deployments through
    the standard `opentelemetry-instrument` route without touching code.
    """
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}))
        if os.environ.get("OTEL_TRACES_CONSOLE") == "1":
            _provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        trace.set_tracer_provider(_provider)
    if processor is not None:
        _provider.add_span_processor(processor)
    return _provider


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return _propagator.extract({"traceparent": traceparent})

"""OpenTelemetry, configured in one place.

A producer's span context travels in each event's `traceparent`, so a consumer's span joins
the producer's trace across NATS and across processes.
"""

from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    HistogramDataPoint,
    InMemoryMetricReader,
    MetricReader,
    NumberDataPoint,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.shared.settings import Operations

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_meters: MeterProvider | None = None
# Always attached, read only on demand (it costs nothing until then): what a process measured
# so far, for `snapshot()` — tests, and operators' tools inside the process.
_snapshot = InMemoryMetricReader()


def _otlp() -> bool:
    """Standard OpenTelemetry variables switch OTLP export on (issue #15)."""
    return Operations().otlp


def configure(service: str, processor: SpanProcessor | None = None) -> TracerProvider:
    """Install the tracer and meter providers once per process; later calls only add span
    processors.

    OTLP (HTTP) export is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces/metrics
    variants) is set; `OTEL_TRACES_CONSOLE=1` / `OTEL_METRICS_CONSOLE=1` print instead.
    """
    global _provider
    if _provider is None:
        resource = Resource.create({"service.name": service})
        _provider = TracerProvider(resource=resource)
        if Operations().traces_console:
            _provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        if _otlp():
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(_provider)
        _configure_metrics(resource)
    if processor is not None:
        _provider.add_span_processor(processor)
    return _provider


def _configure_metrics(resource: Resource) -> None:
    global _meters
    readers: list[MetricReader] = [_snapshot]
    if _otlp():
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    if Operations().metrics_console:
        readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter()))
    _meters = MeterProvider(resource=resource, metric_readers=readers)
    metrics.set_meter_provider(_meters)


def meter(name: str) -> metrics.Meter:
    """Instruments made before `configure` still count: the API's proxy hands them over."""
    return metrics.get_meter(name)


def snapshot() -> dict[tuple[str, tuple[tuple[str, Any], ...]], float]:
    """Each metric point measured in this process so far: (name, attributes) -> value."""
    out: dict[tuple[str, tuple[tuple[str, Any], ...]], float] = {}
    data = _snapshot.get_metrics_data()
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for point in metric.data.data_points:
                    attrs = tuple(sorted((point.attributes or {}).items()))
                    if isinstance(point, NumberDataPoint):  # counters and gauges
                        out[(metric.name, attrs)] = float(point.value)
                        continue
                    if not isinstance(point, HistogramDataPoint):
                        continue  # exponential histograms: none are made
                    # A histogram, as Prometheus has it: cumulative buckets, sum and count.
                    out[(f"{metric.name}_sum", attrs)] = float(point.sum)
                    out[(f"{metric.name}_count", attrs)] = float(point.count)
                    seen = 0
                    bounds = [*(repr(float(b)) for b in point.explicit_bounds), "+Inf"]
                    for bound, n in zip(bounds, point.bucket_counts, strict=True):
                        seen += n
                        le = tuple(sorted((*attrs, ("le", bound))))
                        out[(f"{metric.name}_bucket", le)] = float(seen)
    return out


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

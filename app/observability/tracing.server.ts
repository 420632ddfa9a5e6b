import {
  context,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { traceDatabaseCallsWith } from "~/db/instrument";
import { getRequestContext } from "./request-context.server";

export const tracer = trace.getTracer("flowpay");

/**
 * Starts exporting spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the
 * OpenTelemetry API stays a no-op and spans cost next to nothing. The SDK is imported lazily so
 * a process without tracing never loads it.
 */
export async function startTracing(endpoint: string | undefined, serviceName: string) {
  if (!endpoint) return false;
  const [
    { NodeTracerProvider },
    { BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` }),
        { scheduledDelayMillis: 500 },
      ),
    ],
  });
  provider.register();
  return true;
}

/** The context new spans should hang under: the active one, else the current request's span. */
export function parentContext(): Context {
  const active = context.active();
  if (trace.getSpan(active)) return active;
  const requestSpan = getRequestContext()?.span;
  return requestSpan ? trace.setSpan(active, requestSpan) : active;
}

/** Runs `work` inside a span named `name` (partner calls, domain steps), recording failures. */
export function withSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean | undefined>,
  work: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, parentContext(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

// Database calls become client spans under the current request (db/instrument.ts asks for this
// helper instead of importing the app).
traceDatabaseCallsWith((name, attributes, run) => withSpan(name, attributes, run, SpanKind.CLIENT));

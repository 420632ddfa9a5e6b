// autocannon ships no types; the benchmarks use this much of it.
declare module "autocannon" {
  namespace autocannon {
    type Request = {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    };
    type Options = {
      url: string;
      connections?: number;
      duration?: number;
      amount?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      requests?: { setupRequest?: (req: Request) => Request }[];
    };
    type Histogram = { average: number; p50: number; p90: number; p99: number; max: number };
    type Result = {
      requests: Histogram;
      latency: Histogram;
      errors: number;
      non2xx: number;
      timeouts: number;
    };
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}

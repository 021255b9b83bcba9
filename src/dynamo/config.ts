// dynamo/config: knobs of the capture stage, like torch._dynamo.config. In: user assignments
// (`coil.dynamoConfig.cacheSizeLimit = 16`). Out: values read by compile() at call time.

export const dynamoConfig = {
  /**
   * How many compiled entries (one per distinct set of guards) a compiled function keeps. When a new
   * call would need one more, coil warns once and runs that function eagerly from then on
   * (torch._dynamo.config.cache_size_limit / recompile_limit, default 8).
   */
  cacheSizeLimit: 8,
  /**
   * Also guard on the version counter of module parameters and buffers (recompile after any in-place
   * update such as an optimizer step). Off by default: graphs read parameters through get_attr at run
   * time, so in-place updates are seen without recompiling; turn on when a backend bakes parameter
   * values into its code (e.g. freezing) and parameters may still change.
   */
  guardParameterVersions: false,
  /** Raise instead of falling back to eager on a graph break, for every compile() call. */
  errorOnGraphBreak: false,
};

export type DynamoConfig = typeof dynamoConfig;

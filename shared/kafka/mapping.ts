// The MSK event-source mapping's error handling: one definition for the deployed mapping (infra/,
// where CDK context can change it) and for the local emulator (local/emulators/esm/options.ts).
// Ranges are AWS's for Kafka mappings in provisioned mode, without the "-1 = infinite/off" values
// (docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html).

/** Retries after the first invocation (MaximumRetryAttempts). AWS applies at most 10 with an on-failure destination. */
export const MAPPING_RETRY_ATTEMPTS = { min: 0, max: 10_000, fallback: 10 } as const;

/** Records older than this go to the on-failure destination without an invocation (MaximumRecordAgeInSeconds). */
export const MAPPING_MAX_RECORD_AGE_SECONDS = { min: 60, max: 604_800, fallback: 21_600 } as const;

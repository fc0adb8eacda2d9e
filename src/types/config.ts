import { DataSourceJsonData } from '@grafana/data';

import { SCHEDULED_PROFILE_TYPES } from './query.gen';

/** TargetConfig is one Go service the backend scrapes. The browser never contacts it. */
export interface TargetConfig {
  /** name is unique within the data source and becomes the `target` label of every series. */
  name: string;
  /** url is the base address under which the service serves /debug/vars and /debug/pprof/, e.g. http://api:6060. */
  url: string;
  /** labels are extra labels (e.g. env, job) added to every series of this target. */
  labels?: Record<string, string>;
}

/**
 * PprofOptions is the data source's jsonData: stored in plain text and readable by every
 * viewer of the data source, so it never holds a secret (see PprofSecureJsonData).
 * The HTTP keys are the grafana-plugin-sdk-go standard ones read by `HTTPClientOptions`.
 */
export interface PprofOptions extends DataSourceJsonData {
  /** targets are the services to scrape. */
  targets?: TargetConfig[];
  /** scrapeInterval is how often each target is scraped, as a duration such as "15s" (default "15s", at least "100ms"). */
  scrapeInterval?: string;
  /** retention is how long scraped samples are kept, as a duration such as "7d" (default "7d"). */
  retention?: string;
  /** storagePath is the directory on the Grafana server holding the samples; empty uses the backend's default. */
  storagePath?: string;
  /** storageMaxBytes caps the size of the sample store, in bytes (default 1 GiB). */
  storageMaxBytes?: number;
  /** maxResponseBytes caps one response read from a target, in bytes (default 16 MiB). */
  maxResponseBytes?: number;
  /** timeout is the per-request timeout in whole seconds (SDK key `timeout`; default 10). */
  timeout?: number;

  /**
   * profileIntervals is the collection interval of each profile type with its own schedule
   * (see SCHEDULED_PROFILE_TYPES), as a duration such as "60s", or "off"; a missing type keeps
   * its default. CPU profiles have their own keys below.
   */
  profileIntervals?: Partial<Record<ScheduledProfileType, string>>;
  /** cpuProfileInterval spaces the opt-in CPU profiles; empty or "off" (the default) takes none. */
  cpuProfileInterval?: string;
  /** cpuProfileSeconds is the length of each CPU profile, 1 to 30 (default 10). */
  cpuProfileSeconds?: number;
  /** goroutineDumpInterval spaces the goroutine?debug=2 dumps (default "5m"), or "off". */
  goroutineDumpInterval?: string;
  /** goroutineDumpCeiling is the goroutine count above which no debug=2 dump is taken (default 10000). */
  goroutineDumpCeiling?: number;
  /** maxProfileBytes caps a profile's decompressed size, in bytes (default 256 MiB). */
  maxProfileBytes?: number;
  /** snapshotFullResolution is how long every snapshot is kept before thinning to one per hour (default "24h"). */
  snapshotFullResolution?: string;
  /** snapshotMaxBytes caps the profile snapshot store, in bytes (default 1 GiB). */
  snapshotMaxBytes?: number;

  /** basicAuth sends basicAuthUser and the secure basicAuthPassword to every target. */
  basicAuth?: boolean;
  /** basicAuthUser is the basic-auth user name. */
  basicAuthUser?: string;
  /** tlsAuth presents the secure client certificate and key (mutual TLS). */
  tlsAuth?: boolean;
  /** tlsAuthWithCACert verifies targets against the secure CA certificate instead of the system roots. */
  tlsAuthWithCACert?: boolean;
  /** tlsSkipVerify disables verification of the targets' certificates; insecure, off by default. */
  tlsSkipVerify?: boolean;
  /** serverName overrides the TLS server name checked in the targets' certificates. */
  serverName?: string;
  /**
   * httpHeaderName1..N are the names of custom headers sent to every target; the value of
   * header N is the secure httpHeaderValueN. The SDK stops at the first missing index, so the
   * numbers must stay contiguous from 1.
   */
  [httpHeaderName: `httpHeaderName${number}`]: string | undefined;
}

/**
 * PprofSecureJsonData is the data source's secureJsonData: encrypted at rest, write-only from
 * the browser (Grafana returns only `secureJsonFields[key] = true` once a key is set), and
 * decrypted for the backend alone.
 */
export interface PprofSecureJsonData {
  /** basicAuthPassword is the basic-auth password (SDK key). */
  basicAuthPassword?: string;
  /** bearerToken is sent as `Authorization: Bearer <token>` to every target (plugin key). */
  bearerToken?: string;
  /** tlsCACert is the PEM CA certificate used when tlsAuthWithCACert is on (SDK key). */
  tlsCACert?: string;
  /** tlsClientCert is the PEM client certificate used when tlsAuth is on (SDK key). */
  tlsClientCert?: string;
  /** tlsClientKey is the PEM private key of tlsClientCert (SDK key). */
  tlsClientKey?: string;
  /** httpHeaderValue1..N are the values of the custom headers named by jsonData httpHeaderNameN (SDK keys). */
  [httpHeaderValue: `httpHeaderValue${number}`]: string | undefined;
}

/** SecureKey is a key of PprofSecureJsonData. */
export type SecureKey = keyof PprofSecureJsonData;

// The profile schedule and the settings defaults are generated from pkg/models with the query
// model, so the editor's placeholders and checks cannot drift from the backend's loader.
export {
  SCHEDULED_PROFILE_TYPES,
  DEFAULT_SCRAPE_INTERVAL,
  DEFAULT_RETENTION,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_STORAGE_MAX_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_CPU_PROFILE_SECONDS,
  MAX_CPU_PROFILE_SECONDS,
  DEFAULT_GOROUTINE_DUMP_INTERVAL,
  DEFAULT_GOROUTINE_DUMP_CEILING,
  DEFAULT_MAX_PROFILE_BYTES,
  DEFAULT_SNAPSHOT_FULL_RESOLUTION,
  DEFAULT_SNAPSHOT_MAX_BYTES,
} from './query.gen';

/** ScheduledProfileType is a key of profileIntervals. */
export type ScheduledProfileType = (typeof SCHEDULED_PROFILE_TYPES)[number]['type'];

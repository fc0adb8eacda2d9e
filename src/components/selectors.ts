/**
 * Accessible names of the editors' controls, shared by the unit tests and the Playwright tests
 * so that a renamed label breaks both in the same place.
 */
export const selectors = {
  config: {
    targets: {
      section: 'Targets',
      addButton: 'Add target',
      name: (index: number) => `Target ${index + 1} name`,
      url: (index: number) => `Target ${index + 1} base URL`,
      labels: (index: number) => `Target ${index + 1} labels`,
      removeButton: (index: number) => `Remove target ${index + 1}`,
    },
    scrape: {
      section: 'Scraping and storage',
      scrapeInterval: 'Scrape interval',
      retention: 'Retention',
      timeout: 'Request timeout',
      storagePath: 'Storage path',
      storageMaxMiB: 'Storage size cap',
      maxResponseMiB: 'Max response size',
    },
    auth: {
      section: 'Authentication',
      basicAuth: 'Basic authentication',
      basicAuthUser: 'User',
      basicAuthPassword: 'Password',
      bearerToken: 'Bearer token',
    },
    headers: {
      section: 'Custom HTTP headers',
      addButton: 'Add header',
      name: (index: number) => `Header ${index + 1} name`,
      value: (index: number) => `Header ${index + 1} value`,
      removeButton: (index: number) => `Remove header ${index + 1}`,
    },
    tls: {
      section: 'TLS',
      skipVerify: 'Skip TLS certificate verification',
      serverName: 'TLS server name',
      withCACert: 'Verify with a custom CA certificate',
      caCert: 'CA certificate',
      clientAuth: 'TLS client authentication',
      clientCert: 'Client certificate',
      clientKey: 'Client key',
    },
  },
  query: {
    targets: 'Targets',
    metrics: 'Metrics',
    window: 'Window',
    instant: 'Instant',
  },
} as const;

// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    // d3-color 3.1.1 (pulled in by @grafana/ui) ships ES modules as .mjs only; reuse the same
    // swc transformer for them so components rendering @grafana/ui can be tested.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};

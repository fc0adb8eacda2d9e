import { selectors } from '../src/components/selectors';
import { ALERTS_FILE, chooseRadio, expect, test } from './fixtures';

const s = selectors.query;

// The rules provisioned from provisioning/alerting (see docs/alerting.md). Each is evaluated as
// Grafana does when it saves one, so a query whose frames alerting cannot read fails here.
const PROVISIONED_RULES = [
  'Go GC CPU high',
  'Go heap growing steadily',
  'Go goroutines stale',
  'Go goroutine count growing',
  'Go GC thrashing',
];

test.describe('alert rules', () => {
  for (const ruleTitle of PROVISIONED_RULES) {
    test(`the provisioned rule "${ruleTitle}" evaluates`, async ({
      readProvisionedAlertRule,
      gotoAlertRuleEditPage,
    }) => {
      const rule = await readProvisionedAlertRule({ fileName: ALERTS_FILE, ruleTitle });
      expect(rule, `${ALERTS_FILE} has a rule titled "${ruleTitle}"`).toBeDefined();
      const alertRuleEditPage = await gotoAlertRuleEditPage(rule);
      await expect(alertRuleEditPage.evaluate()).toBeOK();
    });
  }

  test('a new rule on the default runtime query evaluates', async ({ alertRuleEditPage, demo }) => {
    const query = await alertRuleEditPage.getQueryRow();
    await query.datasource.set(demo.ds.name);
    await expect(query.locator.getByRole('combobox', { name: s.metrics, exact: true })).toBeVisible();
    await expect(alertRuleEditPage.evaluate()).toBeOK();
  });

  test('a new rule on the goroutine leak signals evaluates', async ({ alertRuleEditPage, demo }) => {
    const query = await alertRuleEditPage.getQueryRow();
    await query.datasource.set(demo.ds.name);
    await chooseRadio(query.locator, s.queryType, 'Goroutines');
    await chooseRadio(query.locator, s.goroutines.output, 'Signals');
    await expect(alertRuleEditPage.evaluate()).toBeOK();
  });
});

import { bundledDashboards, expect, test } from './fixtures';

// The dashboards the plugin ships, provisioned by docker compose against the demo data source.
for (const dashboard of bundledDashboards()) {
  test(`dashboard "${dashboard.title}" loads its panels without errors`, async ({ gotoDashboardPage }) => {
    const dashboardPage = await gotoDashboardPage({ uid: dashboard.uid });
    // A title without `$variables` reads the same on the page as in the file.
    const first = dashboard.panelTitles.find((title) => !title.includes('$'));
    expect(first, `${dashboard.title} has a panel with a plain title`).toBeDefined();
    await expect(dashboardPage.getPanelByTitle(first!).locator).toBeVisible();
    // Panels below the fold only query once scrolled into view.
    await dashboardPage.waitForPanelsQueriesToComplete({ scrollAll: true, timeout: 60_000 });
    await expect(dashboardPage).not.toHavePanelErrors();
  });
}

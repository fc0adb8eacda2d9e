import { selectors } from '../src/components/selectors';
import { expect, expectQueryOK, test } from './fixtures';

test.describe('annotations editor', () => {
  test('runs an annotations query of every target', async ({ annotationEditPage, demo, page }) => {
    await annotationEditPage.datasource.set(demo.ds.name);
    await expect(page.getByText(selectors.annotations.events, { exact: true })).toBeVisible();
    await expect(page.getByRole('combobox', { name: selectors.query.targets, exact: true })).toBeVisible();
    await expectQueryOK(annotationEditPage.runQuery(), 'annotations');
  });
});

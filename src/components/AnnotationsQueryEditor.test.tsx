import { screen } from '@testing-library/react';

import { AnnotationsQuery, QueryType } from '../types/query';
import { makeDataSource, renderEditor } from '../test/queryEditor';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../test/user';
import { installComboboxShims } from '../test/jsdomShims';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ getVariables: () => [], replace: (text: string) => text }),
}));

beforeAll(installComboboxShims);

const annotation = (q: Partial<AnnotationsQuery> = {}): AnnotationsQuery => ({
  refId: 'Anno',
  queryType: QueryType.Annotations,
  ...q,
});

describe('AnnotationsQueryEditor', () => {
  it(
    'marks restarts, skipped dumps and pins by default, and GC cycles only when asked',
    async () => {
      const user = setupUser();
      const { lastQuery } = renderEditor(annotation());
      expect(await screen.findByLabelText('Process restarts')).toBeChecked();
      expect(screen.getByLabelText('Skipped goroutine dumps')).toBeChecked();
      expect(screen.getByLabelText('Pinned snapshots')).toBeChecked();
      const gc = screen.getByLabelText('GC cycles (one per cycle)');
      expect(gc).not.toBeChecked();
      await user.click(gc);
      expect(lastQuery().events).toEqual(['restarts', 'skippedDumps', 'pins', 'gcCycles']);
      await user.click(screen.getByLabelText('Pinned snapshots'));
      expect(lastQuery().events).toEqual(['restarts', 'skippedDumps', 'gcCycles']);
    },
    EDITOR_TEST_TIMEOUT_MS
  );

  it('is the data source annotation support, starting with the default events of every target', () => {
    const ds = makeDataSource();
    expect(ds.annotations?.QueryEditor).toBeDefined();
    expect(ds.annotations?.getDefaultQuery?.()).toEqual({
      queryType: 'annotations',
      targets: [],
      events: ['restarts', 'skippedDumps', 'pins'],
    });
  });
});

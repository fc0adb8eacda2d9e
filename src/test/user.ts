import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';

/**
 * setupUser is the user-event instance of the editor tests. Every keystroke re-renders the
 * whole editor, so user-event's per-key timer is skipped; the pointer-events check, which
 * reads the computed style of every ancestor on each pointer action, is skipped too, because
 * no control of these editors is hidden by CSS pointer-events and the check dominated the
 * tests' time.
 */
export function setupUser() {
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

/**
 * EDITOR_TEST_TIMEOUT_MS leaves the editor tests, which drive many Grafana components through
 * jsdom, room on a loaded CI machine running several test files at once.
 */
export const EDITOR_TEST_TIMEOUT_MS = 60000;

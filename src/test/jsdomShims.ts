/**
 * installComboboxShims gives jsdom what @grafana/ui's Combobox needs to open its menu: it sizes
 * the menu from measured text, virtualises its options by their boxes, and watches scrolling
 * with an IntersectionObserver. jsdom has no canvas, no layout and no observers.
 */
export function installComboboxShims(): void {
  jest
    .spyOn(HTMLCanvasElement.prototype, 'getContext')
    .mockReturnValue({ measureText: (text: string) => ({ width: text.length * 8 }) } as unknown as RenderingContext);
  jest.spyOn(Element.prototype, 'getBoundingClientRect').mockReturnValue({
    width: 400,
    height: 400,
    top: 0,
    left: 0,
    bottom: 400,
    right: 400,
    x: 0,
    y: 0,
    toJSON: () => ({}),
  });
  jest.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(400);
  jest.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(400);
  class NoopObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.assign(globalThis, {
    IntersectionObserver: globalThis.IntersectionObserver ?? NoopObserver,
    ResizeObserver: globalThis.ResizeObserver ?? NoopObserver,
  });
}

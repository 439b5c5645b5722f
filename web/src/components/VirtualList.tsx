import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A scrolling list that renders only the rows in view (and `overscan` more on each side), so a list of
 * 100,000 rows costs as much as one of 40. Rows share one height: CSS gives them a fixed height and the
 * list measures the first one (the estimate `rowHeight` is used until then), so a breakpoint that
 * changes the height is followed. The list takes the height left in the window below it (at least
 * `minHeight`) and no more than its rows need.
 */
export function VirtualList(props: {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ComponentChildren;
  /** Called with the rows in view (plus overscan) whenever they change: where the caller loads pages. */
  onRange?: (first: number, last: number) => void;
  overscan?: number;
  minHeight?: number;
  /** Room to leave under the list (the page's bottom padding). */
  bottomGap?: number;
  class?: string;
  listClass?: string;
  label?: string;
  testid?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [rowHeight, setRowHeight] = useState(props.rowHeight);
  const frame = useRef(0);
  const overscan = props.overscan ?? 10;

  // The height left below the list's top in the window, and the rows' real height.
  useLayoutEffect(() => {
    const el = scroller.current!;
    const fit = () => {
      const top = el.getBoundingClientRect().top + window.scrollY;
      setViewport(Math.max(props.minHeight ?? 320, window.innerHeight - top - (props.bottomGap ?? 24)));
      const first = list.current?.firstElementChild as HTMLElement | null;
      if (first && first.offsetHeight > 0) setRowHeight(first.offsetHeight);
    };
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    window.addEventListener('resize', fit);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', fit);
      cancelAnimationFrame(frame.current);
    };
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(props.count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);

  // Measured once rows exist (the first render may have had none).
  useLayoutEffect(() => {
    const row = list.current?.firstElementChild as HTMLElement | null;
    if (row && row.offsetHeight > 0 && row.offsetHeight !== rowHeight) setRowHeight(row.offsetHeight);
  }, [props.count > 0]);

  const onRange = props.onRange;
  useEffect(() => onRange?.(first, last), [first, last, props.count, onRange]);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  };

  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.renderRow(i));
  return (
    <div
      ref={scroller}
      class={`vlist${props.class ? ` ${props.class}` : ''}`}
      style={{ maxHeight: `${viewport}px` }}
      onScroll={onScroll}
      data-testid={props.testid ? `${props.testid}-scroller` : undefined}
    >
      <div class="vlist-space" style={{ height: `${props.count * rowHeight}px` }}>
        <ul
          ref={list}
          class={props.listClass}
          aria-label={props.label}
          data-testid={props.testid}
          data-rows={props.count}
          style={{ transform: `translateY(${first * rowHeight}px)` }}
        >
          {rows}
        </ul>
      </div>
    </div>
  );
}

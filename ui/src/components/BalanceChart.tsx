import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { HistoryEntry } from '../api';

// The balance after each event over time, with a vertical mark at `marked` (seconds), the
// instant the time-travel control points at. Plotting only: the figures shown as text come
// from the server's decimal strings.
export function BalanceChart({ history, marked }: { history: HistoryEntry[]; marked?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const mark = useRef<number | undefined>(marked);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!box.current || history.length === 0) return;
    const xs = history.map((h) => Date.parse(h.occurred_at) / 1000);
    const ys = history.map((h) => Number(h.balance));
    const drawMark = (u: uPlot) => {
      if (mark.current === undefined) return;
      const x = u.valToPos(mark.current, 'x', true);
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#d9480f';
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.restore();
    };
    const width = box.current.clientWidth || 600;
    plot.current = new uPlot(
      {
        width,
        height: 220,
        series: [{}, { label: 'balance', stroke: '#1c7ed6', width: 2, paths: uPlot.paths.stepped?.({ align: 1 }) }],
        axes: [{}, { size: 70 }],
        legend: { show: false },
        hooks: { draw: [drawMark] },
      },
      [xs, ys],
      box.current,
    );
    return () => plot.current?.destroy();
  }, [history]);

  useEffect(() => {
    mark.current = marked;
    plot.current?.redraw(false);
  }, [marked]);

  return <div className="chart" ref={box} data-testid="balance-chart" />;
}

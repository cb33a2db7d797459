/**
 * Channels in use against a limit: a native <meter> (announced by screen readers with its label)
 * plus the figures as text, since a bar alone says nothing without colour or sight.
 */
export function ChannelMeter(props: { id: string; label: string; value: number; max: number | null }) {
  const { id, label, value, max } = props;
  const full = max !== null && value >= max;
  return (
    <div class="channel-meter" data-testid={`channels-${id}`}>
      <label for={`meter-${id}`}>{label}</label>
      {max !== null ? (
        <meter id={`meter-${id}`} min={0} max={max} value={Math.min(value, max)} high={Math.max(1, Math.ceil(max * 0.8))} optimum={0} />
      ) : (
        <meter id={`meter-${id}`} min={0} max={Math.max(1, value)} value={value} />
      )}
      <span class={full ? "meter-text meter-full" : "meter-text"}>
        {value} {max !== null ? `of ${max} channels` : value === 1 ? "call (no channel limit)" : "calls (no channel limit)"}
        {full ? " — full: new calls get 503" : ""}
      </span>
    </div>
  );
}

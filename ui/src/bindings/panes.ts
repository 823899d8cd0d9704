// Generated from crates/studio/src/panes.rs (studio::panes::PANES) with the other bindings. Do not edit.

export const PANES = [
  { id: 'server', label: 'Server', key: '1' },
  { id: 'state', label: 'State', key: '2' },
  { id: 'notify', label: 'Notify', key: '3' },
  { id: 'requests', label: 'Requests', key: '4' },
  { id: 'connections', label: 'Connections', key: '5' },
  { id: 'traffic', label: 'Traffic', key: '6' },
  { id: 'client', label: 'Client', key: '7' },
  { id: 'replay', label: 'Replay', key: '8' },
  { id: 'proxy', label: 'Proxy', key: '9' },
  { id: 'scenarios', label: 'Scenarios', key: '0' },
  { id: 'console', label: 'Console', key: 'c' },
  { id: 'builder', label: 'Builder', key: 'b' },
] as const;

/** A pane of the studio UI. */
export type PaneId = (typeof PANES)[number]['id'];

import type { ComponentChildren } from 'preact';

export interface Tab {
  id: string;
  label: ComponentChildren;
}

/**
 * ARIA tabs: arrow keys move between tabs, the active one is the only tab stop. The caller keeps
 * `active` (often in the URL with useQuery) and renders the active panel as `children`.
 */
export function Tabs({ tabs, active, onChange, label, children }: {
  tabs: Tab[];
  active: string;
  onChange: (id: string) => void;
  label: string;
  children?: ComponentChildren;
}) {
  const move = (event: KeyboardEvent, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const target = event.key === 'Home' ? 0 : event.key === 'End' ? tabs.length - 1 : delta ? (index + delta + tabs.length) % tabs.length : -1;
    if (target < 0) return;
    event.preventDefault();
    onChange(tabs[target]!.id);
    const list = (event.currentTarget as HTMLElement).parentElement;
    list?.querySelectorAll<HTMLElement>('[role="tab"]')[target]?.focus();
  };
  return (
    <div class="tabs">
      <div class="tab-list" role="tablist" aria-label={label}>
        {tabs.map((tab, index) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            class="tab"
            aria-selected={tab.id === active}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === active ? 0 : -1}
            onClick={() => onChange(tab.id)}
            onKeyDown={(event) => move(event, index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div class="tab-panel" role="tabpanel" id={`panel-${active}`} aria-labelledby={`tab-${active}`} tabIndex={0}>
        {children}
      </div>
    </div>
  );
}

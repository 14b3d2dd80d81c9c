// The shared components, one import for pages: import { Table, Pager, … } from '../components'.
export { Bytes } from './Bytes';
export { ConfirmDialog } from './ConfirmDialog';
export { CopyButton } from './CopyButton';
export { EmptyState } from './EmptyState';
export { ErrorBanner } from './ErrorBanner';
export { Field, type FieldControlProps } from './Field';
export { Loading } from './Loading';
export { Pager } from './Pager';
export { RelativeTime } from './RelativeTime';
export { Table, type Column, type TableProps } from './Table';
export { Tabs, type Tab } from './Tabs';
export { ToastProvider, useToast, type ToastKind } from './Toast';
export { PageHeader, usePageTitle } from './PageHeader';
export { formatBytes, formatDateTime, formatRelative, shortDigest } from './format';

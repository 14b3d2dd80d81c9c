// The landing page lives with the other browse pages.
export { Overview } from './browse/Overview';

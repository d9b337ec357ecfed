import React, {useEffect, type ReactNode} from 'react';
import SearchPage from '@theme-original/SearchPage';

/**
 * The search plugin's results page puts its content in a plain <div>, so the page has no main
 * landmark (axe: landmark-one-main, region). Mark the layout's content wrapper as the main region
 * while this page is shown.
 */
export default function SearchPageWithMain(): ReactNode {
  useEffect(() => {
    const wrapper = document.getElementById('__docusaurus_skipToContent_fallback');
    if (!wrapper || wrapper.querySelector('main, [role=main]')) return undefined;
    wrapper.setAttribute('role', 'main');
    return () => wrapper.removeAttribute('role');
  }, []);
  return <SearchPage />;
}

import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('root');
if (root) {
  // The static "Loading" text is not Preact's to diff against.
  root.textContent = '';
  render(<App />, root);
}

/** Entry point of the inspector page (bundled by src/ui/ui-bundle.ts). */
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);

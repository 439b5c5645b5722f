import './styles.css';
import { render } from 'preact';
import { App } from './App';
import { installPaletteShortcut } from './components/Palette';
import { startLive } from './live';
import { loadProjects } from './store';

installPaletteShortcut();
startLive();
void loadProjects();
render(<App />, document.getElementById('app')!);

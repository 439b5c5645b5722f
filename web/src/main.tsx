import './styles.css';
import { render } from 'preact';
import { App } from './App';
import { boot } from './auth';
import { installPaletteShortcut } from './components/Palette';
import { startDesktopNotifications } from './notify';

// Before the first render: a login link's token leaves the address bar before the router reads it,
// and is traded for the login cookie before the first request and the live socket.
void boot();
installPaletteShortcut();
startDesktopNotifications();
render(<App />, document.getElementById('app')!);

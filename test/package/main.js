// The app's page: its histories, as JSON, in the document's title.
import { histories } from './histories.js';

document.title = JSON.stringify(await histories());

// The contribution forms other than /submit/ (a camera's "still there",
// "it's gone" and "suggest an edit", creating an account): each is sent as
// it is; for an anonymous visitor the browser first solves the proof of
// work (proof-of-work.js).

import { focusErrorSummary, protectForm } from './proof-of-work.js';

document.querySelectorAll('form[data-proof-of-work]').forEach((form) => protectForm(form));
focusErrorSummary();

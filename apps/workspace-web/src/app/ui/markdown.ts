import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { findMentions } from '@oz/workspace-contract';

/**
 * Chat messages are Markdown written by people and by agents (which repeat whatever they read), so
 * the HTML is sanitised with DOMPurify before it reaches the page: no scripts, no event handlers, no
 * `javascript:` links, no forms, no styles. Links open in a new tab without access to this one.
 */
const markdown = new Marked({ gfm: true, breaks: true, async: false });

const ALLOWED_TAGS = [
  'a', 'p', 'br', 'hr', 'strong', 'em', 'del', 's', 'code', 'pre', 'blockquote',
  'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input', 'span', 'img',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'type', 'checked', 'disabled', 'src', 'alt', 'start', 'align'];

let hooksInstalled = false;

function installHooks(purify: typeof DOMPurify): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.getAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

/** Markdown to a sanitised DOM fragment, with @mentions of `mentionNames` wrapped in `<span class="mention">`. */
export function renderMarkdown(source: string, mentionNames: readonly string[] = []): DocumentFragment {
  installHooks(DOMPurify);
  const html = markdown.parse(source) as string;
  const fragment = DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/)/i,
    RETURN_DOM_FRAGMENT: true,
  }) as DocumentFragment;
  // Task-list checkboxes only (read-only); images only over https (no plain-http tracking pixels).
  for (const input of Array.from(fragment.querySelectorAll('input'))) {
    if (input.getAttribute('type') === 'checkbox') input.setAttribute('disabled', '');
    else input.remove();
  }
  for (const img of Array.from(fragment.querySelectorAll('img'))) {
    if (!/^https:\/\//i.test(img.getAttribute('src') ?? '')) img.replaceWith(img.getAttribute('alt') ?? '');
  }
  if (mentionNames.length) highlightMentions(fragment, mentionNames);
  return fragment;
}

/** Wraps mentions found in text (never inside code, pre or links) so they stand out. */
function highlightMentions(root: DocumentFragment, names: readonly string[]): void {
  const doc = root.ownerDocument;
  const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!(node.parentElement?.closest('code, pre, a'))) texts.push(node as Text);
  }
  for (const text of texts) {
    const value = text.data;
    const matches = findMentions(value, names);
    if (!matches.length) continue;
    const pieces = doc.createDocumentFragment();
    let at = 0;
    for (const match of matches) {
      if (match.start > at) pieces.append(value.slice(at, match.start));
      const span = doc.createElement('span');
      span.className = 'mention';
      span.textContent = value.slice(match.start, match.end);
      pieces.append(span);
      at = match.end;
    }
    if (at < value.length) pieces.append(value.slice(at));
    text.replaceWith(pieces);
  }
}

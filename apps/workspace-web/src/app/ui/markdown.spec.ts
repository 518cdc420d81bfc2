import { renderMarkdown } from './markdown';

const html = (source: string, names: string[] = []) => {
  const div = document.createElement('div');
  div.append(renderMarkdown(source, names));
  return div;
};

describe('renderMarkdown', () => {
  it('renders Markdown: emphasis, lists, code blocks with their language', () => {
    const out = html('**bold** and `code`\n\n- one\n- two\n\n```ts\nconst a = 1;\n```');
    expect(out.querySelector('strong')?.textContent).toBe('bold');
    expect(out.querySelectorAll('li')).toHaveLength(2);
    expect(out.querySelector('pre code')?.textContent).toBe('const a = 1;\n');
    expect(out.querySelector('pre code')?.className).toBe('language-ts');
  });

  it('removes scripts, event handlers, javascript: links, iframes and forms that agents might echo', () => {
    const out = html('<script>alert(1)</script><img src="https://x/y.png" onerror="alert(2)"><a href="javascript:alert(3)">x</a><iframe src="https://e"></iframe><form><input type="text"></form>[ok](https://example.com)');
    const text = out.innerHTML;
    expect(text).not.toContain('<script');
    expect(text).not.toContain('onerror');
    expect(text).not.toContain('javascript:');
    expect(text).not.toContain('<iframe');
    expect(text).not.toContain('<form');
    expect(out.querySelector('input[type=text]')).toBeNull();
  });

  it('opens links in a new tab without access to this one', () => {
    const link = html('[docs](https://example.com/docs)').querySelector('a')!;
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
  });

  it('loads images only over https', () => {
    const out = html('![a](http://tracker.example/pixel.gif) ![b](https://cdn.example/b.png)');
    expect([...out.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual(['https://cdn.example/b.png']);
    expect(out.textContent).toContain('a');
  });

  it('highlights @mentions of known agents with the shared parser, but not inside code or in emails', () => {
    const out = html('Hey @rex and @Ann Marie, see `@Rex` and mail rex@corp.com, not @Rexy', ['Rex', 'Ann Marie']);
    expect([...out.querySelectorAll('.mention')].map((m) => m.textContent)).toEqual(['@rex', '@Ann Marie']);
  });
});

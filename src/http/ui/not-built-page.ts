/**
 * What `/` answers when the web UI was not built: a page that says so and how to fix it,
 * rather than a JSON 404 that looks like a broken server. No inline style or script, so the
 * UI's Content-Security-Policy holds for it too. The directory looked in is logged at start,
 * not shown: the server's file layout is nobody else's business.
 */
export function notBuiltPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Berth: web UI not built</title></head>
<body>
<h1>The Berth web UI is not built</h1>
<p>The registry is running: <code>docker login</code>, <code>docker push</code> and <code>docker pull</code> work, and so does the API under <code>/api/v1</code>.</p>
<p>No built UI was found (the server's log names the directory it looked in). Build it in Berth's source directory with</p>
<pre>npm run build:ui</pre>
<p>and restart Berth, or point <code>ui.path</code> at a built copy. Set <code>ui.enabled: false</code> to turn this page off.</p>
</body>
</html>
`;
}


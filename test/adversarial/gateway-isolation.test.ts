import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { create } from 'kubo-rpc-client'
import type { Page } from 'playwright-core'
import { spawnDaemon } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

// Finding 7: user content added to the node is served from the API's own origin. A page added
// to the node, or a page of any other web origin, must not be able to read the API.

t.setTimeout(120000)

const chromiumPath = '/usr/bin/chromium'
const secret = 'the content of a private file: 7c1f9e'

/**
 * What an attacking page runs: it tries to read the wallet, the pins, the settlement and a
 * private file from the API and reports what it got (status and body, or the error).
 */
const attackSource = `async (api, cid) => {
  const out = {}
  for (const path of ['/wallet', '/pins', '/settlement', '/cat/' + cid]) {
    try {
      const res = await fetch(api + path, { credentials: 'include' })
      out[path] = { status: res.status, body: await res.text() }
    } catch (err) {
      out[path] = { error: String(err) }
    }
  }
  return out
}`

type Attack = Record<string, { status?: number, body?: string, error?: string }>

/**
 * The HTTP status of every request a page makes to `api` (but the page itself and the icon the
 * browser asks for by itself), as the browser
 * received it: CORS-blocked fetches have no Playwright response, so it is read from DevTools'
 * network events.
 */
async function apiStatuses (page: Page, api: string, pageUrl: string): Promise<Array<{ url: string, status: number }>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  const urls = new Map<string, string>()
  const seen: Array<{ url: string, status: number }> = []
  cdp.on('Network.requestWillBeSent', e => { urls.set(e.requestId, e.request.url) })
  cdp.on('Network.responseReceivedExtraInfo', e => {
    const url = urls.get(e.requestId)
    if (url !== undefined && url.startsWith(api) && url !== pageUrl && !url.endsWith('/favicon.ico')) seen.push({ url, status: e.statusCode })
  })
  return seen
}

/** The attack embedded in a page that runs it on load and writes the report into the page. */
function attackPage (api: string, cid: string): string {
  return `<!doctype html><html><body><pre id="report"></pre><script>
document.body.dataset.ran = 'yes';
(${attackSource})(${JSON.stringify(api)}, ${JSON.stringify(cid)}).then(r => {
  document.getElementById('report').textContent = JSON.stringify(r); document.body.dataset.done = 'yes'
})
</script></body></html>`
}

t.test('content added to the node cannot read the API, nor can other origins', async t => {
  const daemon = await spawnDaemon(t, t.testdir())
  const api = daemon.url
  const ipfs = create({ url: api })
  const wallet = await (await fetch(`${api}/wallet`)).json() as { address: string }
  const privateFile = await ipfs.add(new TextEncoder().encode(secret), { cidVersion: 1 })
  const cid = privateFile.cid.toString()
  const svg = `<svg xmlns="http://www.w3.org/2000/svg"><script>document.documentElement.dataset.ran = 'yes'</script></svg>`
  const added = []
  for await (const entry of ipfs.addAll([
    { path: 'page.html', content: new TextEncoder().encode(attackPage(api, cid)) },
    { path: 'image.svg', content: new TextEncoder().encode(svg) }
  ], { cidVersion: 1, wrapWithDirectory: true })) added.push(entry)
  const dir = added.find(e => e.path === '')?.cid.toString() as string

  /** True when nothing private shows in what an attack got. */
  const nothingRead = (t: Test, got: Attack, what: string): void => {
    const text = JSON.stringify(got)
    t.notOk(text.includes(wallet.address), `${what}: the wallet address was not readable`)
    t.notOk(text.includes(secret), `${what}: the private file was not readable`)
    for (const [path, result] of Object.entries(got)) t.equal(result.body, undefined, `${what}: no response body of ${path} reached the page`)
  }

  await t.test('user content is served sandboxed, never sniffed', async t => {
    for (const path of [`/ipfs/${dir}/page.html`, `/ipfs/${dir}/image.svg`, `/cat/${cid}`, `/ipfs/${dir}`]) {
      const res = await fetch(`${api}${path}`)
      t.equal(res.status, 200, path)
      t.equal(res.headers.get('content-security-policy'), 'sandbox', `${path}: CSP sandbox (an opaque origin)`)
      t.equal(res.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`)
    }
    const error = await fetch(`${api}/cat/not-a-cid`)
    t.equal(error.headers.get('x-content-type-options'), 'nosniff', 'errors too (they echo input)')
  })

  await t.test('any Origin but the API\'s own is refused, on GETs too; its own origin works', async t => {
    const host = new URL(api).host
    for (const origin of ['http://evil.example', 'null', `http://${host}.evil.example`, `https://${host}`, `http://127.0.0.2:${new URL(api).port}`]) {
      for (const path of ['/wallet', '/pins', `/cat/${cid}`, `/ipfs/${dir}/page.html`, '/settlement']) {
        const res = await fetch(`${api}${path}`, { headers: { origin } })
        t.equal(res.status, 403, `GET ${path} with Origin ${origin}`)
        t.equal((await res.json() as { code: string }).code, 'FORBIDDEN_ORIGIN')
      }
    }
    const own = await fetch(`${api}/wallet`, { headers: { origin: `http://${host}` } })
    t.equal(own.status, 200, 'a page of the API\'s own origin (the dashboard at /webui) can GET /wallet')
    t.equal((await own.json() as { address: string }).address, wallet.address)
    const ownPost = await fetch(`${api}/pin/${cid}`, { method: 'POST', headers: { origin: `http://${host}` } })
    t.equal(ownPost.status, 200, 'and POST')
    const viaLocalhost = await fetch(`http://localhost:${new URL(api).port}/pins`, { headers: { origin: `http://localhost:${new URL(api).port}` } })
    t.equal(viaLocalhost.status, 200, 'own origin under another loopback name')
    t.equal((await fetch(`${api}/pins`)).status, 200, 'no Origin (curl, the CLI): as before')
  })

  await t.test('in a real browser', { skip: existsSync(chromiumPath) ? false : `${chromiumPath} is not installed` }, async t => {
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
    })
    t.teardown(async () => { await browser.close() })

    await t.test('a page added to the node and opened through /ipfs/ reads nothing', async t => {
      const page = await browser.newPage()
      const pageUrl = `${api}/ipfs/${dir}/page.html`
      const seen = await apiStatuses(page, api, pageUrl)
      await page.goto(pageUrl)
      t.equal(await page.evaluate(() => (globalThis as unknown as { origin: string }).origin), 'null', 'the page has an opaque origin, not the API\'s')
      t.equal(await page.evaluate(() => (globalThis as any).document.body.dataset.ran), undefined, 'its script did not run')
      // Were a script to run there anyway, it could still read nothing: run the attack in the page.
      const got = await page.evaluate(`(${attackSource})(${JSON.stringify(api)}, ${JSON.stringify(cid)})`) as Attack
      nothingRead(t, got, 'from the sandboxed page')
      // DevTools may report the last answer a moment after the page saw its fetch fail
      await waitFor('the browser to report the four answers', () => seen.length >= 4)
      t.equal(seen.length, 4, 'the browser sent the four requests')
      t.ok(seen.every(s => s.status === 403), `and the API refused each one (Origin: null): ${seen.map(s => s.status).join(', ')}`)
      await page.goto(`${api}/ipfs/${dir}/image.svg`)
      t.equal(await page.evaluate(() => (globalThis as unknown as { origin: string }).origin), 'null', 'an SVG document is sandboxed too')
      t.equal(await page.evaluate(() => (globalThis as any).document.documentElement.dataset.ran), undefined, 'its script did not run')
      await page.close()
    })

    await t.test('a page of another origin reads nothing', async t => {
      const other = await new Promise<Server>(resolve => {
        const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(api, cid)) })
        server.listen(0, '127.0.0.1', () => { resolve(server) })
      })
      t.teardown(() => { other.close() })
      const page = await browser.newPage()
      const seen = await apiStatuses(page, api, '')
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`)
      t.equal(await page.evaluate(() => (globalThis as any).document.body.dataset.ran), 'yes', 'the other origin\'s script ran')
      await page.waitForFunction(() => (globalThis as any).document.body.dataset.done === 'yes')
      const got = JSON.parse(await page.evaluate(() => (globalThis as any).document.getElementById('report')?.textContent ?? '{}')) as Attack
      t.same(Object.keys(got).sort(), ['/cat/' + cid, '/pins', '/settlement', '/wallet'].sort(), 'it tried every route')
      nothingRead(t, got, 'from another origin')
      await waitFor('the browser to report the four answers', () => seen.length >= 4)
      t.equal(seen.length, 4, 'the browser sent the four requests')
      t.ok(seen.every(s => s.status === 403), `and the API refused each one: ${seen.map(s => s.status).join(', ')}`)
      await page.close()
    })
  })
})

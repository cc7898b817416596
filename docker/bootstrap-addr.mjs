// Prints the libp2p address of the node whose API is at argv[2] (token argv[3]), waiting up to
// 60 s for it to come up: the first address that is not loopback, with /p2p/<peer id>.
const [url, token] = process.argv.slice(2)
const deadline = Date.now() + 60_000
for (;;) {
  try {
    const res = await fetch(`${url}/id`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    if (res.ok) {
      const { addresses } = await res.json()
      const addr = addresses.find(a => a.startsWith('/ip4/') && !a.startsWith('/ip4/127.'))
      if (addr) { console.log(addr); process.exit(0) }
    }
  } catch {}
  if (Date.now() > deadline) { console.error(`no bootstrap node at ${url}`); process.exit(1) }
  await new Promise(resolve => setTimeout(resolve, 1000))
}

/** `npm run diagram`: regenerates the Mermaid diagram of the login machine in the docs that show it. */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loginMachine } from '../machines/index.ts'
import { DIAGRAM_DOCS, toMermaid, withDiagram } from '../src/diagram/index.ts'

const mermaid = toMermaid(loginMachine)
for (const doc of DIAGRAM_DOCS) {
  const file = fileURLToPath(new URL(`../${doc}`, import.meta.url))
  const before = readFileSync(file, 'utf8')
  const after = withDiagram(before, mermaid)
  if (after === before) {
    console.log(`${doc}: the diagram is up to date`)
  } else {
    writeFileSync(file, after)
    console.log(`${doc}: diagram regenerated`)
  }
}

/** `npm run diagram`: regenerates the Mermaid diagram in docs/flow.md from the login machine. */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loginMachine } from '../machines/index.ts'
import { toMermaid, withDiagram } from '../src/diagram/index.ts'

const flowDoc = fileURLToPath(new URL('../docs/flow.md', import.meta.url))
const before = readFileSync(flowDoc, 'utf8')
const after = withDiagram(before, toMermaid(loginMachine))
if (after === before) {
  console.log('docs/flow.md: the diagram is up to date')
} else {
  writeFileSync(flowDoc, after)
  console.log('docs/flow.md: diagram regenerated')
}

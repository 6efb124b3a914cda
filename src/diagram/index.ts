export { mermaidId, toMermaid, transitionLabel } from './to-mermaid.ts'
export { DIAGRAM_BEGIN, DIAGRAM_DOCS, DIAGRAM_END, diagramBlock, withDiagram } from './flow-doc.ts'

export { loadStarterEmbedder } from "./embedder";
export { loadStarterReranker, type LoadedReranker } from "./reranker";

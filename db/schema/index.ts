export * from "./auth";
export * from "./documents";
export * from "./chunks";
export * from "./runs";
export * from "./rerank-cache";
export * from "./labels";
export * from "./embedders";
export * from "./conversations";

export * from "./merchants";
export * from "./operators";
export * from "./applications";
export * from "./decisioning";
export * from "./lending";
export * from "./platform";
export * from "./oauth-states";
export * from "./conditions";

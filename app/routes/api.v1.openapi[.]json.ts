import { appUrl } from "~/app/config/env.server";
import { openApiDocument } from "~/app/crm/openapi.server";

export function loader() {
  return Response.json(openApiDocument(appUrl()), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "public, max-age=300",
    },
  });
}

import type { ReactNode } from "react";

/**
 * The two building blocks every FlowOps screen is made of: a titled section and a data table.
 * They were hand-written on each screen (the same `aria-labelledby` heading pair, the same
 * scroll wrapper, caption and column header row) and had started to drift; one definition keeps
 * the accessible structure the e2e specs rely on (a region named by its heading, a captioned
 * table with column headers) the same everywhere.
 */

/** A `<section>` named by its `<h2>` (`id` is the heading's id). A "card" unless `plain`. */
export function Section(props: {
  id: string;
  title: ReactNode;
  plain?: boolean;
  children?: ReactNode;
}) {
  return (
    <section className={props.plain ? undefined : "card"} aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * A table with a caption (hidden unless `captionVisible`) and one header row. A column given as
 * `false` or `null` is left out (a column only some roles see). The table sits in a keyboard-
 * scrollable wrapper (`table-scroll`, or `wrapper.className`), named by `wrapper.label` when it
 * is a landmark; `wrapper: false` renders the bare table. `children` are the body rows.
 */
export function DataTable(props: {
  caption: ReactNode;
  captionVisible?: boolean;
  columns: ReadonlyArray<ReactNode>;
  className?: string;
  wrapper?: false | { className?: string; label?: string };
  children: ReactNode;
}) {
  const table = (
    <table className={props.className}>
      <caption className={props.captionVisible ? undefined : "visually-hidden"}>
        {props.caption}
      </caption>
      <thead>
        <tr>
          {props.columns
            .filter((column) => column !== false && column !== null && column !== undefined)
            .map((column, index) => (
              <th key={index} scope="col">
                {column}
              </th>
            ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
  if (props.wrapper === false) return table;
  const label = props.wrapper?.label;
  return (
    <div
      className={props.wrapper?.className ?? "table-scroll"}
      tabIndex={0}
      role={label ? "region" : undefined}
      aria-label={label}
    >
      {table}
    </div>
  );
}

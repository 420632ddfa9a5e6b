import type { AdverseActionNoticeView } from "~/app/decisioning/adverse-action";

/**
 * An adverse action notice on screen (ECOA / FCRA: shown, not only sent): its headed sections.
 * The declined page of an application and the "not prequalified" page both show it so.
 */
export function NoticeArticle({ notice }: { notice: AdverseActionNoticeView }) {
  return (
    <article className="card notice" aria-labelledby="notice-title">
      <h2 id="notice-title">{notice.title}</h2>
      {notice.sections.map((section) => (
        <section key={section.heading}>
          <h3>{section.heading}</h3>
          {section.lines.map((line, i) => (
            <p key={i}>{line}</p>
          ))}
        </section>
      ))}
    </article>
  );
}

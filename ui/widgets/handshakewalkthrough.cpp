#include "handshakewalkthrough.h"
#include "colors.h"

#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QImage>
#include <QKeyEvent>
#include <QMenu>
#include <QMessageBox>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>

using namespace Qt::StringLiterals;

namespace Sockscope {

HandshakeWalkthrough::HandshakeWalkthrough(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"handshakeWalkthrough"_s);
    setWindowTitle(tr("Handshake walk-through"));
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(480, 270);
    setToolTip(tr("→ / Space: next step · ← : back · P: play · F: full screen · "
                  "Ctrl+S: PNG per step · Ctrl+P: PDF · Esc: close"));
}

void HandshakeWalkthrough::setSteps(const QList<WalkthroughStep> &steps)
{
    m_steps = steps;
    m_current = 0;
    update();
    Q_EMIT currentChanged(m_current);
}

void HandshakeWalkthrough::setCurrent(int index)
{
    index = qBound(0, index, qMax(0, count() - 1));
    if (index == m_current)
        return;
    m_current = index;
    update();
    Q_EMIT currentChanged(m_current);
}

void HandshakeWalkthrough::next() { setCurrent(m_current + 1); }

void HandshakeWalkthrough::previous() { setCurrent(m_current - 1); }

void HandshakeWalkthrough::setPlaying(bool play)
{
    if (play)
        m_timer.start(m_interval, this);
    else
        m_timer.stop();
    update();
}

void HandshakeWalkthrough::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QWidget::timerEvent(event);
    if (m_current + 1 >= count())
        setPlaying(false);
    else
        next();
}

void HandshakeWalkthrough::keyPressEvent(QKeyEvent *event)
{
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    switch (event->key()) {
    case Qt::Key_Right:
    case Qt::Key_Space:
    case Qt::Key_PageDown:
    case Qt::Key_Down:
        next();
        break;
    case Qt::Key_Left:
    case Qt::Key_Backspace:
    case Qt::Key_PageUp:
    case Qt::Key_Up:
        previous();
        break;
    case Qt::Key_Home:
        setCurrent(0);
        break;
    case Qt::Key_End:
        setCurrent(count() - 1);
        break;
    case Qt::Key_P:
        if (ctrl)
            exportInteractive(true);
        else
            setPlaying(!isPlaying());
        break;
    case Qt::Key_S:
        if (ctrl)
            exportInteractive(false);
        break;
    case Qt::Key_F:
    case Qt::Key_F11:
        setWindowState(windowState() ^ Qt::WindowFullScreen);
        break;
    case Qt::Key_Escape:
        if (windowState() & Qt::WindowFullScreen)
            setWindowState(windowState() & ~Qt::WindowFullScreen);
        else
            close();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

void HandshakeWalkthrough::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    menu.addAction(tr("Next step"), QKeySequence(Qt::Key_Right), this, &HandshakeWalkthrough::next);
    menu.addAction(tr("Previous step"), QKeySequence(Qt::Key_Left), this,
                   &HandshakeWalkthrough::previous);
    menu.addAction(isPlaying() ? tr("Stop playing") : tr("Play"), QKeySequence(Qt::Key_P), this,
                   [this] { setPlaying(!isPlaying()); });
    menu.addAction(tr("Full screen"), QKeySequence(Qt::Key_F), this,
                   [this] { setWindowState(windowState() ^ Qt::WindowFullScreen); });
    menu.addSeparator();
    menu.addAction(tr("Export a PNG per step…"), QKeySequence(Qt::CTRL | Qt::Key_S), this,
                   [this] { exportInteractive(false); });
    menu.addAction(tr("Export as PDF…"), QKeySequence(Qt::CTRL | Qt::Key_P), this,
                   [this] { exportInteractive(true); });
    menu.addSeparator();
    menu.addAction(tr("Close"), QKeySequence(Qt::Key_Escape), this, &QWidget::close);
    menu.exec(event->globalPos());
}

void HandshakeWalkthrough::exportInteractive(bool pdf)
{
    QString error;
    bool ok = true;
    if (pdf) {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the walk-through"),
                                                          u"handshake.pdf"_s, tr("PDF (*.pdf)"));
        if (path.isEmpty())
            return;
        ok = exportPdf(path, &error);
    } else {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for the PNG files"));
        if (dir.isEmpty())
            return;
        ok = exportPngs(dir, QSize(1280, 720), &error);
    }
    if (!ok)
        QMessageBox::warning(this, tr("Export"), error);
}

void HandshakeWalkthrough::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    if (m_steps.isEmpty()) {
        painter.fillRect(rect(), palette().color(QPalette::Window));
        painter.drawText(rect(), Qt::AlignCenter, tr("No handshake to show"));
        return;
    }
    paintStep(&painter, rect(), m_steps.at(m_current), m_current, count(), palette());
    if (isPlaying()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignTop | Qt::AlignRight,
                         tr("▶ playing"));
    }
}

void HandshakeWalkthrough::paintStep(QPainter *painter, const QRect &rect,
                                     const WalkthroughStep &step, int index, int count,
                                     const QPalette &palette)
{
    painter->save();
    painter->setRenderHint(QPainter::TextAntialiasing);
    painter->fillRect(rect, palette.color(QPalette::Window));
    const int margin = qMax(8, rect.height() / 24);
    const QRect area = rect.adjusted(margin, margin, -margin, -margin);

    // Title, large.
    QFont title = QFontDatabase::systemFont(QFontDatabase::TitleFont);
    title.setBold(true);
    title.setPixelSize(qMax(14, rect.height() / 16));
    QFontMetrics tm(title);
    painter->setFont(title);
    painter->setPen(palette.color(QPalette::WindowText));
    const QRect titleRect(area.left(), area.top(), area.width(), tm.height());
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
                      tm.elidedText(step.title, Qt::ElideRight, area.width()));

    // Footer: the note, then where we are.
    QFont small = QFontDatabase::systemFont(QFontDatabase::GeneralFont);
    small.setPixelSize(qMax(11, rect.height() / 34));
    QFont noteFont = small;
    noteFont.setPixelSize(qMax(12, rect.height() / 26));
    const QFontMetrics nm(noteFont);
    const QFontMetrics sm(small);
    const QRect noteBounds = nm.boundingRect(QRect(0, 0, area.width(), rect.height()),
                                             Qt::TextWordWrap, step.note);
    const int footerHeight = sm.height();
    const QRect footer(area.left(), area.bottom() - footerHeight, area.width(), footerHeight);
    const QRect noteRect(area.left(), footer.top() - margin / 2 - noteBounds.height(), area.width(),
                         noteBounds.height());
    painter->setFont(small);
    painter->setPen(palette.color(QPalette::PlaceholderText));
    painter->drawText(footer, Qt::AlignLeft | Qt::AlignVCenter,
                      tr("Step %1 of %2").arg(index + 1).arg(count));
    painter->drawText(footer, Qt::AlignRight | Qt::AlignVCenter,
                      tr("→ next · ← back · P play · F full screen · Esc close"));
    painter->setFont(noteFont);
    if (!step.ok)
        painter->setPen(Colors::color(Colors::Role::Error, palette));
    else if (step.note.startsWith(u"✓"_s))
        painter->setPen(Colors::color(Colors::Role::Good, palette));
    else
        painter->setPen(palette.color(QPalette::WindowText));
    painter->drawText(noteRect, Qt::TextWordWrap, step.note);

    // The lines, monospaced, as large as fits.
    const QRect body(area.left(), titleRect.bottom() + margin / 2, area.width(),
                     noteRect.top() - margin / 2 - titleRect.bottom() - margin / 2);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPixelSize(100);
    int widest = 1;
    {
        const QFontMetrics probe(mono);
        for (const QString &l : step.lines)
            widest = qMax(widest, probe.horizontalAdvance(l));
    }
    const int lines = qMax(1, int(step.lines.size()));
    const int pad = 6;
    int px = qMin(rect.height() / 18, (body.width() - 2 * pad) * 100 / widest);
    px = qMin(px, int(body.height() / (lines * 1.3)));
    mono.setPixelSize(qMax(8, px));
    const QFontMetrics mm(mono);
    painter->setFont(mono);
    const int lineHeight = int(mm.height() * 1.25);
    int y = body.top();
    for (int i = 0; i < step.lines.size() && y + lineHeight <= body.bottom() + 1; ++i) {
        const QRect lineRect(body.left(), y, body.width(), lineHeight);
        const QString text
                = mm.elidedText(step.lines.at(i), Qt::ElideRight, body.width() - 2 * pad);
        if (step.highlighted.contains(i)) {
            painter->fillRect(lineRect, palette.color(QPalette::Highlight));
            painter->setPen(palette.color(QPalette::HighlightedText));
        } else {
            painter->setPen(palette.color(QPalette::WindowText));
        }
        painter->drawText(lineRect.adjusted(pad, 0, -pad, 0), Qt::AlignLeft | Qt::AlignVCenter,
                          text);
        y += lineHeight;
    }
    painter->restore();
}

bool HandshakeWalkthrough::exportPngs(const QString &dir, QSize size, QString *error) const
{
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = tr("Cannot make the folder %1").arg(dir);
        return false;
    }
    for (int i = 0; i < count(); ++i) {
        QImage image(size, QImage::Format_RGB32);
        QPainter painter(&image);
        paintStep(&painter, image.rect(), m_steps.at(i), i, count(), palette());
        painter.end();
        const QString path
                = QDir(dir).filePath(u"step-%1.png"_s.arg(i + 1, 2, 10, QLatin1Char('0')));
        if (!image.save(path)) {
            if (error)
                *error = tr("Cannot write %1").arg(path);
            return false;
        }
    }
    return true;
}

bool HandshakeWalkthrough::exportPdf(const QString &path, QString *error) const
{
    QPdfWriter writer(path);
    writer.setTitle(tr("Handshake walk-through"));
    writer.setCreator(u"Sockscope"_s);
    // 16:9 pages, as the screen of a projector (the size as given: "portrait" keeps it).
    writer.setPageLayout(QPageLayout(QPageSize(QSizeF(320, 180), QPageSize::Millimeter),
                                     QPageLayout::Portrait, QMarginsF()));
    writer.setResolution(96);
    QPainter painter;
    if (!painter.begin(&writer)) {
        if (error)
            *error = tr("Cannot write %1").arg(path);
        return false;
    }
    // The page in pixels of 96 dpi: the same proportions as on screen.
    const QRect page = painter.viewport();
    for (int i = 0; i < count(); ++i) {
        if (i > 0)
            writer.newPage();
        paintStep(&painter, page, m_steps.at(i), i, count(), palette());
    }
    painter.end();
    return true;
}

} // namespace Sockscope

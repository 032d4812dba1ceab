#include "ratechart.h"

#include <eventrate.h>

#include <QPainter>
#include <QPainterPath>

#include <cmath>

using namespace Qt::StringLiterals;

namespace Sockscope {

RateChart::RateChart(EventRate *rate, QWidget *parent) : QWidget(parent), m_rate(rate)
{
    setObjectName(u"rateChart"_s);
    connect(rate, &EventRate::sampled, this, qOverload<>(&QWidget::update));
}

void RateChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(4, 18, -4, -4);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(area);
    if (!m_rate)
        return;
    const QList<double> h = m_rate->history();
    // A round top: 10, 20, 50, 100, 200, 500, …
    double top = 10;
    const double peak = m_rate->peak();
    while (top < peak)
        top *= (QString::number(top).startsWith(u'2') ? 2.5 : 2.0);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(4, 0, width() - 8, 16), Qt::AlignLeft | Qt::AlignVCenter,
               tr("%1 events/s").arg(m_rate->current(), 0, 'f', m_rate->current() < 10 ? 1 : 0));
    p.drawText(QRectF(4, 0, width() - 8, 16), Qt::AlignRight | Qt::AlignVCenter,
               tr("scale %1/s · last %2 s").arg(top).arg(m_rate->historySize()));
    if (h.size() < 2)
        return;
    const int samples = m_rate->historySize();
    const double dx = area.width() / std::max(1, samples - 1);
    QPainterPath line;
    const double x0 = area.right() - dx * double(h.size() - 1);
    for (int i = 0; i < h.size(); ++i) {
        const QPointF pt(x0 + dx * i, area.bottom() - area.height() * std::min(1.0, h.at(i) / top));
        if (i == 0)
            line.moveTo(pt);
        else
            line.lineTo(pt);
    }
    QPainterPath fill = line;
    fill.lineTo(area.right(), area.bottom());
    fill.lineTo(x0, area.bottom());
    fill.closeSubpath();
    QColor c = palette().color(QPalette::Highlight);
    QColor light = c;
    light.setAlpha(60);
    p.fillPath(fill, light);
    p.setPen(QPen(c, 1.5));
    p.drawPath(line);
}

} // namespace Sockscope

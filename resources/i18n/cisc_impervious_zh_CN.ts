<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>CiscImpervious</name>
        <message>
            <location filename="../../plugin/core/changemap.py" line="58" />
            <source>The extent ({xmin}, {ymin}, {xmax}, {ymax}) has no area; choose an extent with a width and a height, or leave it empty for the whole raster.</source>
            <translation>范围（{xmin}, {ymin}, {xmax}, {ymax}）没有面积；请选择有宽度和高度的范围，或留空以使用整个栅格。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/changemap.py" line="456" />
            <location filename="../../plugin/core/fraction.py" line="125" />
            <source>No valid mask for {rasters}: every pixel inside the raster with a value 0..3 was taken as valid.</source>
            <translation>{rasters} 没有有效掩膜：栅格范围内值为 0..3 的所有像元均视为有效。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/checks.py" line="210" />
            <source>{path}: the valid mask's grid (pixel size {mask_size}) is not aligned with that of {raster} (pixel size {raster_size}); it is resampled (nearest: the mask pixel under each raster pixel's centre).</source>
            <translation>{path}：有效掩膜的网格（像元大小 {mask_size}）与 {raster} 的网格（像元大小 {raster_size}）未对齐；将对掩膜重采样（最邻近法：取每个栅格像元中心所在的掩膜像元）。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/dates.py" line="200" />
            <source>{count} date polygon(s) have no readable acquisition date and are ignored.</source>
            <translation>{count} 个日期面没有可读取的获取日期，已忽略。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/discovery.py" line="100" />
            <source>Several files for {name} in {folder}: {names}; using {used}. Remove or rename the others if that is not the right one.</source>
            <translation>{folder} 中有多个对应 {name} 的文件：{names}；使用 {used}。如果它不是正确的文件，请删除或重命名其他文件。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/discovery.py" line="109" />
            <source>{folder} holds more than one file for {what}: {names}. They may differ, so none is picked: remove or rename all but one, or give the file explicitly.</source>
            <translation>{folder} 中有不止一个 {what} 文件：{names}。它们可能不同，因此不会自动选择：请只保留一个（删除或重命名其余文件），或明确指定文件。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="159" />
            <source>{path}: cannot be written ({detail}); nothing was written and an existing file of that name is unchanged.</source>
            <translation>{path}：无法写入（{detail}）；未写入任何内容，同名的已有文件保持不变。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="72" />
            <source>{path}: this output is written as {format}, so its name must end in {allowed} (not "{extension}"); choose a {example} file name.</source>
            <translation>{path}：此输出以 {format} 格式写出，因此文件名必须以 {allowed} 结尾（而不是“{extension}”）；请选择 {example} 文件名。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="91" />
            <source>{name}no output file given.</source>
            <translation>{name}未指定输出文件。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="103" />
            <source>{path}: is a folder; choose an output file name.</source>
            <translation>{path}：这是一个文件夹；请选择输出文件名。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="107" />
            <source>{path}: the output folder cannot be created ({existing} is not a folder).</source>
            <translation>{path}：无法创建输出文件夹（{existing} 不是文件夹）。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="112" />
            <source>{path}: the folder {folder} is not writable; choose another output folder.</source>
            <translation>{path}：文件夹 {folder} 不可写；请选择其他输出文件夹。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="117" />
            <source>{path}: the existing file is read-only; choose another output file.</source>
            <translation>{path}：已有文件为只读；请选择其他输出文件。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="154" />
            <source>{path}: the disk is full (no space left on device); nothing was written and an existing file of that name is unchanged. Free some space or choose another folder, then run again.</source>
            <translation>{path}：磁盘已满（设备上没有剩余空间）；未写入任何内容，同名的已有文件保持不变。请释放一些空间或选择其他文件夹，然后重新运行。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/outputs.py" line="97" />
            <source>{path}: the output is also an input of this run ({source}); writing it would destroy the input. Choose another output file.</source>
            <translation>{path}：该输出同时也是本次运行的输入（{source}）；写入会破坏输入数据。请选择其他输出文件。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/sources.py" line="117" />
            <source>Folder not found: {folder}</source>
            <translation>未找到文件夹：{folder}</translation>
        </message>
        <message>
            <location filename="../../plugin/core/sources.py" line="117" />
            <source>No folder chosen.</source>
            <translation>尚未选择文件夹。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/stats_rows.py" line="99" />
            <source>{count} zone(s) have no usable coordinates in the raster's CRS (not transformable, not finite numbers such as a latitude beyond 90 degrees transformed, or impossibly far away): {zones}. Their figures are NULL; the other zones are not affected. Check these geometries and the layer's CRS.</source>
            <translation>{count} 个分区在栅格的坐标参考系中没有可用坐标（无法转换、不是有限数值，例如纬度超过 90 度后的转换结果，或位于不可能的远处）：{zones}。这些分区的数值为 NULL；其他分区不受影响。请检查这些几何图形和图层的坐标参考系。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/stats_run.py" line="105" />
            <source>Counting {zones} zone(s) over {strips} strip(s) of {size}-pixel blocks on {threads} thread(s).</source>
            <translation>正在统计 {zones} 个分区：共 {strips} 个条带，数据块大小 {size} 像元，使用 {threads} 个线程。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/stats_run.py" line="122" />
            <source>{count} pixel(s) in the blocks read hold values other than the CISC classes 0..3 (and the nodata tag); they are counted as invalid.</source>
            <translation>已读取的数据块中有 {count} 个像元的值既不是 CISC 类别 0..3，也不是无数据标记；这些像元计为无效。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/validity.py" line="41" />
            <source>{path}: its nodata tag ({nodata}) is also a CISC class value; the tag is ignored and the valid mask alone decides which pixels are valid.</source>
            <translation>{path}：其无数据标记（{nodata}）同时也是 CISC 类别值；该标记被忽略，仅由有效掩膜决定哪些像元有效。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="97" />
            <location filename="../../plugin/gui/add_layers_dialog.py" line="234" />
            <location filename="../../plugin/gui/add_layers_dialog.py" line="315" />
            <source>Add CISC layers</source>
            <translation>添加 CISC 图层</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="98" />
            <source>Layers</source>
            <translation>图层</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="99" />
            <source>CISC 2020</source>
            <translation>CISC 2020</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="100" />
            <source>CISC 2022</source>
            <translation>CISC 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="101" />
            <source>Valid-mask overlays (invalid area in grey)</source>
            <translation>有效掩膜叠加层（无效区域显示为灰色）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="102" />
            <source>Acquisition dates of the 2 m imagery</source>
            <translation>2 米影像的获取日期</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="103" />
            <source>Source</source>
            <translation>数据源</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="104" />
            <source>Files in a local folder</source>
            <translation>本地文件夹中的文件</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="105" />
            <source>Stream from Zenodo (no download; needs a fast connection)</source>
            <translation>从 Zenodo 流式读取（无需下载；需要较快的网络连接）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="106" />
            <source>Download to a folder (about 1.9 GB; md5-verified, resumable)</source>
            <translation>下载到文件夹（约 1.9 GB；md5 校验，可断点续传）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="107" />
            <source>Folder holding cisc_2020.tif, valid_mask_2020.tif, …</source>
            <translation>包含 cisc_2020.tif、valid_mask_2020.tif 等文件的文件夹</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="108" />
            <source>Folder to download into</source>
            <translation>下载目标文件夹</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="109" />
            <source>Files</source>
            <translation>文件</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="111" />
            <source>Add layers</source>
            <translation>添加图层</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="143" />
            <source>Choose a folder</source>
            <translation>选择文件夹</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="256" />
            <source>Contacting Zenodo…</source>
            <translation>正在连接 Zenodo…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="171" />
            <source>Choose at least one year.</source>
            <translation>请至少选择一个年份。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="222" />
            <location filename="../../plugin/gui/add_layers_dialog.py" line="224" />
            <location filename="../../plugin/gui/add_layers_dialog.py" line="226" />
            <source>CISC</source>
            <translation>CISC</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="315" />
            <source>Choose a folder to download into.</source>
            <translation>请选择下载目标文件夹。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="185" />
            <source>stream</source>
            <translation>流式读取</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="185" />
            <source>download</source>
            <translation>下载</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="289" />
            <location filename="../../plugin/gui/add_layers_dialog.py" line="302" />
            <source>Nothing could be streamed.</source>
            <translation>没有可流式读取的内容。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="189" />
            <source>From Zenodo record {id}. Cite: {citation}</source>
            <translation>来自 Zenodo 记录 {id}。引用：{citation}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="222" />
            <location filename="../../plugin/gui/add_layers_dialog.py" line="291" />
            <source>Missing, not added: {names}</source>
            <translation>缺失，未添加：{names}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="226" />
            <source>{n} layer(s) added.</source>
            <translation>已添加 {n} 个图层。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="235" />
            <source>No CISC file found in {folder}. Missing: {names}</source>
            <translation>在 {folder} 中未找到 CISC 文件。缺失：{names}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="324" />
            <source>CISC download</source>
            <translation>CISC 下载</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="341" />
            <source>Downloading into {folder}: progress in QGIS's task bar; layers are added once verified.</source>
            <translation>正在下载到 {folder}：进度显示在 QGIS 任务栏中；校验通过后将添加图层。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="236" />
            <source>(no folder)</source>
            <translation>（无文件夹）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="179" />
            <source>found: {name}</source>
            <translation>已找到：{name}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="181" />
            <source>MISSING: {name}</source>
            <translation>缺失：{name}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/add_layers_dialog.py" line="188" />
            <source>{verb}: {name} (about {size:.0f} MB)</source>
            <translation>{verb}：{name}（约 {size:.0f} MB）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/chart_view.py" line="79" />
            <source>There is no chart to save.</source>
            <translation>没有可保存的图表。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/chart_view.py" line="86" />
            <location filename="../../plugin/gui/dock_exports.py" line="54" />
            <source>Saved {path}</source>
            <translation>已保存 {path}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/chart_view.py" line="48" />
            <source>Charts need matplotlib, which could not be loaded ({error}). The table shows all figures.</source>
            <translation>图表需要 matplotlib，但无法加载（{error}）。表格中显示了全部数值。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/chart_view.py" line="63" />
            <source>The chart could not be drawn: {error}</source>
            <translation>无法绘制图表：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/chart_view.py" line="84" />
            <source>Could not save {path}: {error}</source>
            <translation>无法保存 {path}：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="134" />
            <source>Run an analysis to see its charts.</source>
            <translation>运行一次分析后即可查看图表。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="136" />
            <source>This chart needs the analysis “Change 2020 → 2022”.</source>
            <translation>此图表需要“变化 2020 → 2022”分析。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="357" />
            <location filename="../../plugin/layers/report.py" line="290" />
            <source>Impervious area (km²)</source>
            <translation>不透水面面积（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="403" />
            <source>Share of the valid area (%)</source>
            <translation>占有效面积比例（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="434" />
            <source>Class in 2022</source>
            <translation>2022 年类别</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="435" />
            <source>Class in 2020</source>
            <translation>2020 年类别</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="471" />
            <source>Area (km²)</source>
            <translation>面积（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="124" />
            <source>Impervious area and share per zone</source>
            <translation>各分区不透水面面积与占比</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="125" />
            <source>Class composition per zone</source>
            <translation>各分区类别构成</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="126" />
            <source>Transition matrix 2020 → 2022</source>
            <translation>转移矩阵 2020 → 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="127" />
            <source>Impervious gain and loss per zone</source>
            <translation>各分区不透水面增加与减少</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="362" />
            <source>Bar labels: impervious share of the valid area</source>
            <translation>条形旁数字：不透水面占有效面积的比例</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="467" />
            <source>Gain (to impervious)</source>
            <translation>增加（转为不透水面）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="468" />
            <source>Loss (from impervious)</source>
            <translation>减少（由不透水面转出）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="469" />
            <location filename="../../plugin/gui/charts.py" line="466" />
            <location filename="../../plugin/gui/results.py" line="118" />
            <source>Net change</source>
            <translation>净变化</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="364" />
            <source>Top {n} zones by impervious area</source>
            <translation>不透水面面积前 {n} 位分区</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="406" />
            <source>Class composition of the {n} largest zones (valid area)</source>
            <translation>有效面积最大的 {n} 个分区的类别构成</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="447" />
            <source>all {n} zones</source>
            <translation>全部 {n} 个分区</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="450" />
            <source>Transitions 2020 → 2022 (km²): {scope}</source>
            <translation>2020 → 2022 转移（km²）：{scope}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="465" />
            <location filename="../../plugin/gui/results.py" line="116" />
            <source>Gain</source>
            <translation>增加</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="465" />
            <location filename="../../plugin/gui/results.py" line="117" />
            <source>Loss</source>
            <translation>减少</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="476" />
            <source>Impervious gain and loss 2020 → 2022</source>
            <translation>不透水面增加与减少 2020 → 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/charts.py" line="477" />
            <source>top {n} zones by net change</source>
            <translation>按净变化排名前 {n} 的分区</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="75" />
            <location filename="../../plugin/plugin_main.py" line="73" />
            <source>Impervious surface statistics</source>
            <translation>不透水面统计</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="153" />
            <location filename="../../plugin/gui/dock_layout.py" line="84" />
            <source>Open in a window</source>
            <translation>在窗口中打开</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="154" />
            <source>Show the table and charts in their own window, which can be enlarged</source>
            <translation>在单独的窗口中显示表格和图表，窗口可放大</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="205" />
            <source>Coordinates offset</source>
            <translation>坐标偏移</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="210" />
            <source>Boundaries from Chinese web maps (AMap/Gaode, Tencent, DataV GeoAtlas: GCJ-02; Baidu: BD-09) are offset by 100 to 700 m: choose their system to convert them to WGS84 before the statistics. The layer must be in EPSG:4326 or EPSG:4490.</source>
            <translation>来自中国网络地图的边界（高德、腾讯、DataV GeoAtlas：GCJ-02；百度：BD-09）存在 100 至 700 米的偏移：选择其坐标系，即可在统计前将其转换为 WGS84。图层必须为 EPSG:4326 或 EPSG:4490。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="338" />
            <source>Cancelling…</source>
            <translation>正在取消…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="348" />
            <location filename="../../plugin/gui/task_runner.py" line="119" />
            <location filename="../../plugin/gui/task_runner.py" line="161" />
            <source>Cancelled.</source>
            <translation>已取消。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="406" />
            <source>Done: {n} zones.</source>
            <translation>完成：{n} 个分区。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="498" />
            <source>The zones layer was removed: the run was cancelled.</source>
            <translation>分区图层已被移除：运行已取消。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="329" />
            <source>Running {analysis}…</source>
            <translation>正在运行{analysis}…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="388" />
            <source>The run failed.</source>
            <translation>运行失败。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="444" />
            <source>{n} of {total} zones have a valid coverage below {threshold:g} % (marked ⚠).</source>
            <translation>{total} 个分区中有 {n} 个的有效覆盖率低于 {threshold:g} %（标记为 ⚠）。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="446" />
            <source>All zones have a valid coverage of at least {threshold:g} %.</source>
            <translation>所有分区的有效覆盖率均不低于 {threshold:g} %。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="378" />
            <source>Running step {n} of {total}: {step}…</source>
            <translation>正在运行第 {n} 步（共 {total} 步）：{step}…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="409" />
            <source>Warnings: {warnings}</source>
            <translation>警告：{warnings}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock.py" line="395" />
            <source>Could not read the results: {error}</source>
            <translation>无法读取结果：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="59" />
            <source>Export the table as CSV</source>
            <translation>将表格导出为 CSV</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="59" />
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="63" />
            <source>Export the results as GeoPackage</source>
            <translation>将结果导出为 GeoPackage</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="63" />
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage (*.gpkg)</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="83" />
            <source>Export a PDF report</source>
            <translation>导出 PDF 报告</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="83" />
            <location filename="../../plugin/processing/alg_report.py" line="77" />
            <source>PDF files (*.pdf)</source>
            <translation>PDF 文件 (*.pdf)</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="87" />
            <source>Save chart as PNG</source>
            <translation>将图表保存为 PNG</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="87" />
            <source>PNG images (*.png)</source>
            <translation>PNG 图像 (*.png)</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="22" />
            <source>Copied {n} rows to the clipboard.</source>
            <translation>已将 {n} 行复制到剪贴板。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_exports.py" line="52" />
            <source>Could not export {path}: {error}</source>
            <translation>无法导出 {path}：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="98" />
            <source>Choose the folder holding the CISC rasters.</source>
            <translation>请选择包含 CISC 栅格的文件夹。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="120" />
            <source>mask looked up beside the raster</source>
            <translation>在栅格旁查找掩膜</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="129" />
            <source>Choose a zones layer: a polygon layer of the project.</source>
            <translation>请选择分区图层：项目中的一个面图层。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="160" />
            <source>Joining the results onto the zones needs a zone name field (the join key).</source>
            <translation>将结果连接到分区需要分区名称字段（连接键）。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="100" />
            <source>The folder {folder} does not exist.</source>
            <translation>文件夹 {folder} 不存在。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="131" />
            <source>The zones layer {name} is not valid (its source cannot be read).</source>
            <translation>分区图层 {name} 无效（无法读取其数据源）。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="133" />
            <location filename="../../plugin/gui/dock_inputs.py" line="140" />
            <location filename="../../plugin/gui/dock_inputs.py" line="145" />
            <source>The zones layer {name} has no polygons.</source>
            <translation>分区图层 {name} 没有面要素。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="155" />
            <source>The zones layer {name} already has the field {field} (from earlier results?): remove those fields or use a copy of the layer without them.</source>
            <translation>分区图层 {name} 已有字段 {field}（可能来自之前的结果？）：请删除这些字段，或使用不含这些字段的图层副本。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="106" />
            <source>No CISC {year} raster (cisc_{year}.tif) in {folder}.</source>
            <translation>{folder} 中没有 CISC {year} 栅格（cisc_{year}.tif）。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="137" />
            <source>“Selected features only” is checked but no feature of {name} is selected.</source>
            <translation>已勾选“仅所选要素”，但 {name} 中没有选中任何要素。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_inputs.py" line="90" />
            <source>No CISC {year} layer in the project: add it with “Add CISC layers…” or choose a folder.</source>
            <translation>项目中没有 CISC {year} 图层：请通过“添加 CISC 图层…”添加，或选择文件夹。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_layout.py" line="62" />
            <source>Impervious surface statistics – results</source>
            <translation>不透水面统计 – 结果</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_layout.py" line="72" />
            <source>Back into the dock</source>
            <translation>放回停靠面板</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="38" />
            <source>Polygon layer of the zones (provinces, cities, counties…), in any CRS</source>
            <translation>分区的面图层（省、市、县……），任意坐标参考系</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="39" />
            <source>Field used as zone label in the table and charts, and as join key</source>
            <translation>在表格和图表中作为分区名称、并作为连接键的字段</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="41" />
            <source>Folder holding cisc_2020.tif, cisc_2022.tif and valid_mask_2020.tif, valid_mask_2022.tif</source>
            <translation>包含 cisc_2020.tif、cisc_2022.tif 以及 valid_mask_2020.tif、valid_mask_2022.tif 的文件夹</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="44" />
            <source>Zones whose valid share (inside the valid mask and the raster) is below this percentage are flagged</source>
            <translation>有效比例（位于有效掩膜和栅格范围内）低于此百分比的分区将被标记</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="46" />
            <source>Copy the selected rows (or all rows) to the clipboard, tab-separated</source>
            <translation>将所选行（或全部行）以制表符分隔复制到剪贴板</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="47" />
            <source>Table</source>
            <translation>表格</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="48" />
            <location filename="../../plugin/layers/report.py" line="546" />
            <source>Charts</source>
            <translation>图表</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="49" />
            <source>About the data</source>
            <translation>关于数据</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="13" />
            <source>Zones</source>
            <translation>分区</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="14" />
            <source>Analysis and data</source>
            <translation>分析与数据</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="18" />
            <source>Zones layer</source>
            <translation>分区图层</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="19" />
            <location filename="../../plugin/processing/alg_report.py" line="68" />
            <source>Zone name field</source>
            <translation>分区名称字段</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="20" />
            <source>Analysis</source>
            <translation>分析</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="21" />
            <source>CISC data</source>
            <translation>CISC 数据</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="22" />
            <source>Flag valid coverage below</source>
            <translation>标记有效覆盖率低于</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="23" />
            <source>Top</source>
            <translation>前</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="24" />
            <source>Selected features only</source>
            <translation>仅所选要素</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="25" />
            <source>Layers in the project</source>
            <translation>项目中的图层</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="26" />
            <source>Folder</source>
            <translation>文件夹</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="27" />
            <source>Add the results as a new layer to the project</source>
            <translation>将结果作为新图层添加到项目</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="28" />
            <source>Join the results onto the zones layer (by the zone name field)</source>
            <translation>将结果连接到分区图层（按分区名称字段）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="29" />
            <source>Run</source>
            <translation>运行</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="30" />
            <location filename="../../plugin/gui/message_box.py" line="16" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="31" />
            <source>Copy</source>
            <translation>复制</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="32" />
            <source>Export CSV…</source>
            <translation>导出 CSV…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="33" />
            <source>Export GeoPackage…</source>
            <translation>导出 GeoPackage…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="34" />
            <source>Transition matrix of the zone selected in the table (else all zones)</source>
            <translation>显示表格中所选分区的转移矩阵（否则为全部分区）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="35" />
            <source>Save chart as PNG…</source>
            <translation>将图表保存为 PNG…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="53" />
            <source>Valid: inside the year's valid mask, the only place where a 0 means bare land. Vegetation and water are auxiliary classes whose reliability is not guaranteed by the authors. Data: CISC, Scientific Data, DOI {doi}.</source>
            <translation>有效：位于该年份有效掩膜内，只有在此范围内值 0 才表示裸地。植被和水体为辅助类别，作者不保证其可靠性。数据：CISC，Scientific Data，DOI {doi}。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="62" />
            <source>China Impervious Surface Cover 2020 and 2022 (CISC), 30 m</source>
            <translation>中国不透水面覆盖数据 2020 与 2022（CISC），30 米</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="64" />
            <source>Valid pixels.</source>
            <translation>有效像元。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="65" />
            <source>A pixel is valid when it lies inside the raster, its year's valid mask is set there and its value is 0 to 3. Invalid pixels (outside China, or without enough 2 m imagery) are stored as 0, the value of bare land: without the mask they cannot be told apart. Areas and shares are computed over valid pixels only; the change statistics use pixels valid in both years.</source>
            <translation>像元位于栅格范围内、该年份有效掩膜在该处有值且像元值为 0 到 3 时，该像元为有效像元。无效像元（位于中国境外，或缺少足够的 2 米影像）存储为 0，与裸地的值相同：没有掩膜就无法区分二者。面积和比例仅基于有效像元计算；变化统计使用两个年份均有效的像元。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="74" />
            <source>Auxiliary classes.</source>
            <translation>辅助类别。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="75" />
            <source>Impervious surface is the product's main class. Vegetation and water are auxiliary classes whose reliability is not guaranteed by the authors: use their figures for reference only.</source>
            <translation>不透水面是该产品的主要类别。植被和水体为辅助类别，作者不保证其可靠性：其数值仅供参考。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="82" />
            <source>Zones.</source>
            <translation>分区。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="83" />
            <source>A pixel belongs to a zone when its centre lies inside the zone. Zones with a low valid coverage are flagged in the table: their figures rest on a small part of their area. The data are not clipped to coastlines or administrative boundaries.</source>
            <translation>像元中心位于分区内时，该像元属于该分区。有效覆盖率低的分区会在表格中标记：其数值仅基于分区面积的一小部分。数据未按海岸线或行政边界裁剪。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/dock_texts.py" line="91" />
            <source>Please cite:</source>
            <translation>请引用：</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/message_box.py" line="16" />
            <source>OK</source>
            <translation>确定</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/modeler.py" line="53" />
            <source>Open in the graphical modeler…</source>
            <translation>在图形建模器中打开…</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/modeler.py" line="27" />
            <source>The model {id} is not available: is the CISC Processing provider loaded?</source>
            <translation>模型 {id} 不可用：CISC 的 Processing 提供程序是否已加载？</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_builder.py" line="49" />
            <source>the algorithm returned no output layer</source>
            <translation>算法未返回输出图层</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_builder.py" line="54" />
            <source>the two runs returned different numbers of zones</source>
            <translation>两次运行返回的分区数量不同</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_builder.py" line="108" />
            <location filename="../../plugin/gui/results.py" line="199" />
            <location filename="../../plugin/gui/results.py" line="318" />
            <source>Zone</source>
            <translation>分区</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_builder.py" line="73" />
            <source>missing output fields: {fields}</source>
            <translation>缺少输出字段：{fields}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_builder.py" line="61" />
            <location filename="../../plugin/layers/report.py" line="165" />
            <source>Zone {n}</source>
            <translation>分区 {n}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_layer.py" line="91" />
            <source>no change</source>
            <translation>无变化</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_layer.py" line="134" />
            <source>Not joined: the zones layer is gone or has no name field.</source>
            <translation>未连接：分区图层已不存在或没有名称字段。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_layer.py" line="150" />
            <source>Joined onto {zones} by {field}.</source>
            <translation>已按 {field} 连接到 {zones}。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_layer.py" line="122" />
            <source>CISC {analysis} – {zones}</source>
            <translation>CISC {analysis} – {zones}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_layer.py" line="146" />
            <source>Could not join the results onto {zones}.</source>
            <translation>无法将结果连接到 {zones}。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/result_layer.py" line="149" />
            <source>Joined on {field}, but its values are not unique: some zones got another zone's figures.</source>
            <translation>已按 {field} 连接，但其值不唯一：部分分区得到了其他分区的数值。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="106" />
            <source>Valid area</source>
            <translation>有效面积</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="107" />
            <source>Invalid area</source>
            <translation>无效面积</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="108" />
            <source>Valid coverage</source>
            <translation>有效覆盖率</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="109" />
            <location filename="../../plugin/gui/results.py" line="96" />
            <source>Bare land</source>
            <translation>裸地</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="110" />
            <source>Impervious area</source>
            <translation>不透水面面积</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="111" />
            <source>Vegetation (ref.)</source>
            <translation>植被（参考）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="112" />
            <source>Water (ref.)</source>
            <translation>水体（参考）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="113" />
            <source>Impervious share</source>
            <translation>不透水面占比</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="114" />
            <source>Impervious 2020</source>
            <translation>2020 年不透水面</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="115" />
            <source>Impervious 2022</source>
            <translation>2022 年不透水面</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="119" />
            <source>Growth</source>
            <translation>增长率</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="82" />
            <source>Impervious surface 2020</source>
            <translation>不透水面 2020</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="83" />
            <source>Impervious surface 2022</source>
            <translation>不透水面 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="84" />
            <source>Impervious surface 2020 and 2022</source>
            <translation>不透水面 2020 与 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="85" />
            <source>Change 2020 → 2022</source>
            <translation>变化 2020 → 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="97" />
            <source>Impervious</source>
            <translation>不透水面</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="98" />
            <source>Vegetation</source>
            <translation>植被</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="99" />
            <source>Water</source>
            <translation>水体</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="430" />
            <location filename="../../plugin/gui/results.py" line="454" />
            <source>There are no results to export.</source>
            <translation>没有可导出的结果。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="126" />
            <source>{from_class} → {to_class}</source>
            <translation>{from_class} → {to_class}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="355" />
            <source>Valid coverage below {threshold:g} %: the figures of this zone rest on a small part of its area (outside the valid mask, or outside the raster).</source>
            <translation>有效覆盖率低于 {threshold:g} %：该分区的数值仅基于其面积的一小部分（其余位于有效掩膜之外或栅格范围之外）。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="472" />
            <source>Could not write {path}: {message}</source>
            <translation>无法写入 {path}：{message}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/results.py" line="321" />
            <source>Zone (field {field})</source>
            <translation>分区（字段 {field}）</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/run_request.py" line="47" />
            <source>change statistics 2020 → 2022</source>
            <translation>变化统计 2020 → 2022</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/run_request.py" line="59" />
            <source>zonal statistics {year}</source>
            <translation>{year} 年分区统计</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/task_runner.py" line="165" />
            <location filename="../../plugin/gui/task_runner.py" line="191" />
            <source>The algorithm failed (see the log).</source>
            <translation>算法运行失败（请查看日志）。</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/task_runner.py" line="138" />
            <source>CISC: {step}</source>
            <translation>CISC：{step}</translation>
        </message>
        <message>
            <location filename="../../plugin/gui/task_runner.py" line="129" />
            <source>The Processing algorithm {id} is not available: is the CISC plugin's provider enabled in Processing's settings?</source>
            <translation>Processing 算法 {id} 不可用：是否已在 Processing 设置中启用 CISC 插件的提供程序？</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="66" />
            <source>Downloading CISC files</source>
            <translation>正在下载 CISC 文件</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="92" />
            <source>Download cancelled: nothing incomplete was given a final name; partial files end in .part and resume next time.</source>
            <translation>下载已取消：未完成的文件不会使用最终文件名；部分下载的文件以 .part 结尾，下次将继续下载。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="133" />
            <source>The record's API ({url}) could not be read ({error}); using the published checksums.</source>
            <translation>无法读取记录的 API（{url}）（{error}）；改用已公布的校验值。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="222" />
            <source>the server answered 429 Too Many Requests (Zenodo's rate limit); try again in a few minutes</source>
            <translation>服务器返回 429 Too Many Requests（Zenodo 访问频率限制）；请几分钟后再试</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="81" />
            <source>Download failed: {error}</source>
            <translation>下载失败：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="110" />
            <source>{name}: not on the record; not downloaded.</source>
            <translation>{name}：不在该记录中；未下载。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="144" />
            <source>{name}: no md5 checksum is known, so it cannot be verified; not downloaded.</source>
            <translation>{name}：没有已知的 md5 校验值，无法校验；未下载。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="155" />
            <source>{name}: the existing file did not match its md5; renamed to {bad} and downloaded again.</source>
            <translation>{name}：现有文件与其 md5 不符；已重命名为 {bad} 并重新下载。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="263" />
            <source>the connection was cut after {got} of {size}</source>
            <translation>在 {size} 中传输 {got} 后连接中断</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="150" />
            <source>{name}: already downloaded and verified.</source>
            <translation>{name}：已下载并校验。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="164" />
            <source>{name}: needs {need} in {folder} but only {free} is free.</source>
            <translation>{name}：需要在 {folder} 中占用 {need}，但仅剩 {free} 可用空间。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="226" />
            <source>not found on the server (HTTP {status})</source>
            <translation>服务器上未找到（HTTP {status}）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="229" />
            <source>the server answered HTTP {status}</source>
            <translation>服务器返回 HTTP {status}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="255" />
            <source>the connection failed after {size} ({error})</source>
            <translation>已传输 {size} 后连接失败（{error}）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="280" />
            <source>{part}: could not write ({error}); the partial file ({size}) is kept, free space and download again to resume.</source>
            <translation>{part}：无法写入（{error}）；已保留部分下载的文件（{size}），请释放磁盘空间后再次下载以继续。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="276" />
            <source>{part}: the disk is full ({error}); the partial file ({size}) is kept: free space and download again to resume.</source>
            <translation>{part}：磁盘已满（{error}）；已保留部分下载的文件（{size}）：请释放空间后重新下载以继续。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/download.py" line="180" />
            <source> The partial file {part} ({size}) is kept; download again to resume.</source>
            <translation> 已保留部分下载的文件 {part}（{size}）；再次下载即可继续。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/loader.py" line="176" />
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="80" />
            <source>Acquisition dates</source>
            <translation>影像获取日期</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/loader.py" line="173" />
            <source>CISC {year} classes</source>
            <translation>CISC {year} 类别</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/loader.py" line="175" />
            <source>Valid mask {year} (grey: no valid data)</source>
            <translation>{year} 年有效掩膜（灰色：无有效数据）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/loader.py" line="176" />
            <source>Acquisition dates {year}</source>
            <translation>{year} 年影像获取日期</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/loader.py" line="275" />
            <source>{name} is already in the project.</source>
            <translation>{name} 已在项目中。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/project_crs.py" line="57" />
            <source>China Albers (CISC)</source>
            <translation>中国 Albers 投影（CISC）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/project_crs.py" line="57" />
            <source>CRS of the CISC rasters</source>
            <translation>CISC 栅格的坐标参考系</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/project_crs.py" line="109" />
            <source>Project CRS set to the CISC rasters' CRS: {crs}.</source>
            <translation>项目坐标参考系已设为 CISC 栅格的坐标参考系：{crs}。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="511" />
            <source>Legend</source>
            <translation>图例</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="538" />
            <source>Key figures</source>
            <translation>主要数据</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="540" />
            <source>What the figures mean</source>
            <translation>数据说明</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="566" />
            <source>Statistics per zone, by impervious area</source>
            <translation>各分区统计（按不透水面面积排序）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="130" />
            <source>The layer holds no CISC statistics (fields such as imperv_km2, imperv_pct or net_km2): choose the output of Zonal statistics or Change statistics.</source>
            <translation>该图层不含 CISC 统计结果（如 imperv_km2、imperv_pct 或 net_km2 字段）：请选择“分区统计”或“变化统计”的输出。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="156" />
            <source>The statistics layer cannot be opened.</source>
            <translation>无法打开统计图层。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="173" />
            <source>The statistics layer holds no zones.</source>
            <translation>统计图层中没有分区。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="253" />
            <source>Net change of impervious area 2020 → 2022 (km²)</source>
            <translation>不透水面面积净变化 2020 → 2022（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="291" />
            <source>Impervious share (%)</source>
            <translation>不透水面占比（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="292" />
            <source>Valid area (km²)</source>
            <translation>有效面积（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="293" />
            <location filename="../../plugin/layers/report.py" line="278" />
            <source>Valid coverage (%)</source>
            <translation>有效覆盖率（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="294" />
            <source>Vegetation, ref. (km²)</source>
            <translation>植被，参考（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="295" />
            <source>Water, ref. (km²)</source>
            <translation>水体，参考（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="359" />
            <source>• Only valid pixels are counted: invalid pixels (outside China, or without enough 2 m imagery) are excluded; the valid coverage is the share of a zone's pixels that are valid.</source>
            <translation>• 仅统计有效像元：无效像元（中国境外，或缺少足够的 2 米影像）不计入；有效覆盖率是分区内有效像元所占的比例。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="361" />
            <source>• Vegetation and water are auxiliary classes whose reliability is not guaranteed by the dataset's authors: for reference only.</source>
            <translation>• 植被和水体为辅助类别，数据集作者不保证其可靠性：仅供参考。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="363" />
            <source>• The data are not clipped to coastlines or administrative boundaries; a pixel belongs to a zone when its centre lies inside it (30 m pixels, areas in km²).</source>
            <translation>• 数据未按海岸线或行政边界裁剪；像元中心位于分区内时，该像元计入该分区（30 米像元，面积单位为 km²）。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="369" />
            <source>Data: CISC, China Impervious Surface Cover (30 m). Please cite: {citation} DOI: {doi}</source>
            <translation>数据：CISC，中国不透水面覆盖数据（30 米）。引用请注明：{citation} DOI：{doi}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="381" />
            <source>Valid coverage below {threshold:g} % in {n} of {total} zones (marked * in the table; their figures rest on a small part of their area): {zones}</source>
            <translation>{total} 个分区中有 {n} 个的有效覆盖率低于 {threshold:g} %（表中以 * 标记；其数据仅基于分区内一小部分面积）：{zones}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="467" />
            <source>There are no results to report.</source>
            <translation>没有可生成报告的结果。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="551" />
            <source>The charts need matplotlib, which could not be loaded; the table has every figure.</source>
            <translation>图表需要 matplotlib，但无法加载；表格中包含全部数据。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="255" />
            <source>Impervious share of the valid area {year} (%)</source>
            <translation>{year} 年不透水面占有效面积比例（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="272" />
            <source>Impervious 2020 (km²)</source>
            <translation>2020 年不透水面（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="273" />
            <source>Impervious 2022 (km²)</source>
            <translation>2022 年不透水面（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="274" />
            <source>Gain (km²)</source>
            <translation>增加（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="275" />
            <source>Loss (km²)</source>
            <translation>减少（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="276" />
            <source>Net change (km²)</source>
            <translation>净变化（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="277" />
            <source>Growth (%)</source>
            <translation>增长率（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="332" />
            <source>Zones: {n}</source>
            <translation>分区数：{n}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="376" />
            <source>Valid coverage: every zone has a valid coverage of at least {threshold:g} %.</source>
            <translation>有效覆盖率：所有分区的有效覆盖率均不低于 {threshold:g} %。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="473" />
            <source>Impervious surface report – {zones}</source>
            <translation>不透水面报告 – {zones}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="481" />
            <source>{analysis} · {n} zones · made on {date} with the CISC plugin for QGIS</source>
            <translation>{analysis} · {n} 个分区 · {date} 由 QGIS 的 CISC 插件生成</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="567" />
            <source>Areas in km² to 0.0001 km², shares in % to 0.01 %; * valid coverage below {threshold:g} %; – no value.</source>
            <translation>面积单位 km²，精确到 0.0001 km²；占比单位 %，精确到 0.01 %；* 有效覆盖率低于 {threshold:g} %；– 无数值。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="337" />
            <source>Impervious area 2020: {area} km²</source>
            <translation>2020 年不透水面面积：{area} km²</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="338" />
            <source>Impervious area 2022: {area} km²</source>
            <translation>2022 年不透水面面积：{area} km²</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="339" />
            <source>Gain: {gain} km², loss: {loss} km², net: {net} km²</source>
            <translation>增加：{gain} km²，减少：{loss} km²，净变化：{net} km²</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="352" />
            <source>Impervious area {year}: {area} km² ({share} % of {valid} km² valid)</source>
            <translation>{year} 年不透水面面积：{area} km²（占 {valid} km² 有效面积的 {share} %）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="380" />
            <source>and {n} more</source>
            <translation>另有 {n} 个</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="473" />
            <source>zones</source>
            <translation>分区</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="282" />
            <location filename="../../plugin/layers/report.py" line="283" />
            <source>Impervious area {year} (km²)</source>
            <translation>{year} 年不透水面面积（km²）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="284" />
            <location filename="../../plugin/layers/report.py" line="285" />
            <source>Impervious share {year} (%)</source>
            <translation>{year} 年不透水面占比（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="286" />
            <source>Valid coverage {year} (%)</source>
            <translation>{year} 年有效覆盖率（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/report.py" line="344" />
            <source>Growth: {pct} %</source>
            <translation>增长率：{pct} %</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/stream_task.py" line="80" />
            <source>Contacting Zenodo for the CISC layers</source>
            <translation>正在连接 Zenodo 获取 CISC 图层</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/stream_task.py" line="134" />
            <source>The record's API ({url}) could not be read ({error}); using the published file list.</source>
            <translation>无法读取记录的 API（{url}）（{error}）；使用已公布的文件列表。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/stream_task.py" line="168" />
            <source>{name}: cannot be opened from {url} ({detail}); not added.</source>
            <translation>{name}：无法从 {url} 打开（{detail}）；未添加。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/stream_task.py" line="92" />
            <source>Streaming could not be prepared: {error}</source>
            <translation>无法准备流式读取：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/stream_task.py" line="162" />
            <source>{name}: the server did not answer within {seconds:.0f} s; not added. Try again later.</source>
            <translation>{name}：服务器在 {seconds:.0f} 秒内未响应；未添加。请稍后重试。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/styling.py" line="127" />
            <source>Select a CISC classification layer (cisc_2020.tif or cisc_2022.tif) in the Layers panel first.</source>
            <translation>请先在图层面板中选择一个 CISC 分类图层（cisc_2020.tif 或 cisc_2022.tif）。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/styling.py" line="137" />
            <source>{name}: impervious surface only.</source>
            <translation>{name}：仅显示不透水面。</translation>
        </message>
        <message>
            <location filename="../../plugin/layers/styling.py" line="137" />
            <source>{name}: all classes.</source>
            <translation>{name}：显示全部类别。</translation>
        </message>
        <message>
            <location filename="../../plugin/plugin_main.py" line="70" />
            <source>Add CISC layers…</source>
            <translation>添加 CISC 图层…</translation>
        </message>
        <message>
            <location filename="../../plugin/plugin_main.py" line="77" />
            <source>Show impervious surface only</source>
            <translation>仅显示不透水面</translation>
        </message>
        <message>
            <location filename="../../plugin/plugin_main.py" line="80" />
            <source>Open the change report in the graphical modeler…</source>
            <translation>在图形建模器中打开变化报告…</translation>
        </message>
        <message>
            <location filename="../../plugin/plugin_main.py" line="84" />
            <source>About the CISC dataset…</source>
            <translation>关于 CISC 数据集…</translation>
        </message>
        <message>
            <location filename="../../plugin/plugin_main.py" line="218" />
            <source>About the CISC dataset</source>
            <translation>关于 CISC 数据集</translation>
        </message>
        <message>
            <location filename="../../plugin/plugin_main.py" line="208" />
            <source>China Impervious Surface Cover 2020 and 2022 (CISC), 30 m.

Cite: {citation}
Zenodo record: {url}

Vegetation and water are auxiliary classes whose reliability is not guaranteed by the authors. A value of 0 is bare land only where the year's valid mask is set.</source>
            <translation>中国不透水面覆盖数据 2020 与 2022（CISC），30 米。

引用：{citation}
Zenodo 记录：{url}

植被和水体为辅助类别，作者不保证其可靠性。值 0 仅在该年份有效掩膜标记为有效之处表示裸地。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="60" />
            <source>Acquisition dates of the imagery per zone</source>
            <translation>各分区影像获取日期</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="63" />
            <source>cisc,date,acquisition,imagery,source,time</source>
            <translation>cisc,日期,获取,影像,来源,时间</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="71" />
            <source>Acquisition-date polygons (layer, or source_date_*.zip)</source>
            <translation>影像获取日期面（图层或 source_date_*.zip）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="76" />
            <source>Date field (detected when empty)</source>
            <translation>日期字段（留空时自动识别）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="121" />
            <source>DATES: the date layer {value} cannot be opened.</source>
            <translation>DATES：无法打开日期图层 {value}。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="147" />
            <source>{layer}: acquisition dates read from the field {field}.</source>
            <translation>{layer}：从字段 {field} 读取影像获取日期。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="167" />
            <location filename="../../plugin/processing/base.py" line="79" />
            <location filename="../../plugin/processing/base.py" line="68" />
            <source>Cancelled: nothing was written.</source>
            <translation>已取消：未写入任何内容。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="88" />
            <source>DATES: {path}: file not found.</source>
            <translation>DATES：{path}：文件不存在。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="91" />
            <source>DATES: {path}: no shapefile inside the zip (expected source_date_*_dissolve.shp).</source>
            <translation>DATES：{path}：zip 中没有 shapefile（应为 source_date_*_dissolve.shp）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="107" />
            <source>{path}: no shapefile inside the zip (expected source_date_*_dissolve.shp).</source>
            <translation>{path}：zip 中没有 shapefile（应为 source_date_*_dissolve.shp）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="142" />
            <source>{layer}: no acquisition-date field found (fields: {fields}); set DATE_FIELD.</source>
            <translation>{layer}：未找到影像获取日期字段（字段：{fields}）；请设置 DATE_FIELD。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="154" />
            <source>{layer}: the date layer has no CRS; its coordinates are taken as China Albers metres.</source>
            <translation>{layer}：日期图层没有坐标参考系；其坐标按中国 Albers 投影的米制坐标处理。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_acquisition_dates.py" line="114" />
            <source>{path}: {name} inside the zip cannot be read.</source>
            <translation>{path}：无法读取 zip 中的 {name}。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="36" />
            <source>Change map (two years)</source>
            <translation>变化图（两个年份）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="39" />
            <source>cisc,impervious,change,transition,map,raster</source>
            <translation>cisc,不透水面,变化,转移,地图,栅格</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="44" />
            <source>Clip to extent</source>
            <translation>裁剪到范围</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="45" />
            <location filename="../../plugin/processing/model_change_report.py" line="118" />
            <source>Change map</source>
            <translation>变化图</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="76" />
            <source>Change map written: {path} ({width} x {height} pixels).</source>
            <translation>已写入变化图：{path}（{width} x {height} 像元）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="56" />
            <source>EXTENT ({extent}) has no area: give an extent with a width and a height, or leave it empty for the whole raster. Nothing was written.</source>
            <translation>EXTENT（{extent}）没有面积：请给出有宽度和高度的范围，或留空以使用整个栅格。未写入任何内容。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_map.py" line="100" />
            <source>EXTENT cannot be transformed from {src} to the raster's CRS {dst}.</source>
            <translation>EXTENT 无法从 {src} 转换到栅格的坐标参考系 {dst}。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_statistics.py" line="30" />
            <source>Change statistics (two years)</source>
            <translation>变化统计（两个年份）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_statistics.py" line="33" />
            <source>cisc,impervious,change,transition,gain,loss,growth,zonal,statistics</source>
            <translation>cisc,不透水面,变化,转移,增加,减少,增长,分区,统计</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_statistics.py" line="40" />
            <location filename="../../plugin/processing/alg_zonal_statistics.py" line="38" />
            <source>Output column prefix</source>
            <translation>输出字段前缀</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_change_statistics.py" line="43" />
            <location filename="../../plugin/processing/model_change_report.py" line="117" />
            <source>Change statistics</source>
            <translation>变化统计</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_impervious_fraction.py" line="24" />
            <source>Impervious fraction on a coarse grid</source>
            <translation>粗网格不透水面比例</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_impervious_fraction.py" line="27" />
            <source>cisc,impervious,fraction,share,percent,grid,aggregate,raster</source>
            <translation>cisc,不透水面,比例,占比,百分比,网格,聚合,栅格</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_impervious_fraction.py" line="35" />
            <source>Cell size (metres)</source>
            <translation>网格大小（米）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_impervious_fraction.py" line="44" />
            <source>Minimum valid share of a cell (%)</source>
            <translation>网格最小有效比例（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_impervious_fraction.py" line="51" />
            <location filename="../../plugin/processing/model_change_report.py" line="122" />
            <source>Impervious fraction</source>
            <translation>不透水面比例</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_impervious_fraction.py" line="71" />
            <source>Impervious fraction written: {path} ({width} x {height} cells of {size:g} m).</source>
            <translation>已写入不透水面比例：{path}（{width} x {height} 个 {size:g} 米网格）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="52" />
            <source>Report (PDF)</source>
            <translation>报告（PDF）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="55" />
            <location filename="../../plugin/processing/help.py" line="15" />
            <location filename="../../plugin/processing/model_change_report.py" line="61" />
            <source>Reports</source>
            <translation>报告</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="36" />
            <source>cisc:report needs the CISC plugin loaded (it builds the report's layout).</source>
            <translation>cisc:report 需要先加载 CISC 插件（由插件生成报告的版面）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="58" />
            <source>cisc,impervious,report,pdf,layout,map,chart,table</source>
            <translation>cisc,不透水面,报告,pdf,布局,地图,图表,表格</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="65" />
            <source>Statistics layer (output of Zonal statistics or Change statistics)</source>
            <translation>统计图层（“分区统计”或“变化统计”的输出）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="70" />
            <source>Year of a one-year layer whose field names do not say it</source>
            <translation>单一年份图层的年份（字段名未注明年份时）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="73" />
            <source>Flag zones with a valid coverage below (%)</source>
            <translation>标记有效覆盖率低于此值的分区（%）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="75" />
            <source>Title</source>
            <translation>标题</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="77" />
            <source>Report</source>
            <translation>报告</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="113" />
            <source>Report written: {path} ({pages} pages).</source>
            <translation>报告已写出：{path}（{pages} 页）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_report.py" line="104" />
            <source>{n} zones read from {layer}.</source>
            <translation>已从 {layer} 读取 {n} 个分区。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="42" />
            <source>Web-map offset (GCJ-02 / BD-09 &lt;-&gt; WGS84)</source>
            <translation>网络地图坐标偏移（GCJ-02 / BD-09 &lt;-&gt; WGS84）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="45" />
            <source>gcj02,gcj-02,bd09,bd-09,wgs84,mars,amap,gaode,baidu,tencent,datav,offset,china,coordinates</source>
            <translation>gcj02,gcj-02,bd09,bd-09,wgs84,mars,amap,gaode,baidu,tencent,datav,offset,china,coordinates,火星坐标,高德,百度,腾讯,坐标偏移,中国,坐标</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="50" />
            <source>Input layer (zones or any vector layer, EPSG:4326 or EPSG:4490)</source>
            <translation>输入图层（分区或任意矢量图层，EPSG:4326 或 EPSG:4490）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="57" />
            <source>Conversion</source>
            <translation>转换</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="68" />
            <source>Converted layer</source>
            <translation>转换后的图层</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="109" />
            <source>{conversion}: {features} features, {moved} of {total} vertices moved, by {median:.1f} m (median) and {max:.1f} m at most; vertices outside the offset area (mainland China) were left unchanged.</source>
            <translation>{conversion}：{features} 个要素，{total} 个顶点中移动了 {moved} 个，移动距离中位数 {median:.1f} 米、最大 {max:.1f} 米；偏移区域（中国大陆）以外的顶点保持不变。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="59" />
            <source>GCJ-02 -&gt; WGS84 (fix AMap/Gaode, Tencent, DataV GeoAtlas data)</source>
            <translation>GCJ-02 -&gt; WGS84（纠正高德、腾讯、DataV GeoAtlas 数据）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="60" />
            <source>BD-09 -&gt; WGS84 (fix Baidu data)</source>
            <translation>BD-09 -&gt; WGS84（纠正百度数据）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="61" />
            <source>WGS84 -&gt; GCJ-02</source>
            <translation>WGS84 -&gt; GCJ-02</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="62" />
            <source>WGS84 -&gt; BD-09</source>
            <translation>WGS84 -&gt; BD-09</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="129" />
            <source>{layer}: a geometry could not be read ({error}).</source>
            <translation>{layer}：无法读取一个几何（{error}）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_web_map_offset.py" line="138" />
            <location filename="../../plugin/processing/outputs.py" line="169" />
            <source>Cannot write to {output}: {error}</source>
            <translation>无法写入 {output}：{error}</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_zonal_statistics.py" line="28" />
            <source>Zonal statistics (one year)</source>
            <translation>分区统计（单一年份）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_zonal_statistics.py" line="31" />
            <source>cisc,impervious,zonal,statistics,area,china,land cover</source>
            <translation>cisc,不透水面,分区,统计,面积,中国,土地覆盖</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/alg_zonal_statistics.py" line="41" />
            <source>Zonal statistics</source>
            <translation>分区统计</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="209" />
            <source>None: coordinates are what their CRS says</source>
            <translation>无：坐标即其坐标参考系所表示的坐标</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="210" />
            <source>GCJ-02 (AMap/Gaode, Tencent, DataV GeoAtlas)</source>
            <translation>GCJ-02（高德、腾讯、DataV GeoAtlas）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="211" />
            <source>BD-09 (Baidu)</source>
            <translation>BD-09（百度）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="220" />
            <source>Zone coordinates are offset (Chinese web maps)</source>
            <translation>分区坐标存在偏移（中国网络地图）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="196" />
            <location filename="../../plugin/processing/model_change_report.py" line="91" />
            <source>Zones (polygons)</source>
            <translation>分区（面）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="256" />
            <source>ZONES_OFFSET {offset}: the zones' vertices were converted to WGS84: {moved} of {total} moved, by {median:.1f} m (median) and {max:.1f} m at most; {outside} outside the offset area (mainland China) were left unchanged.</source>
            <translation>ZONES_OFFSET {offset}：分区顶点已转换为 WGS84：{total} 个顶点中移动了 {moved} 个，移动距离中位数 {median:.1f} 米、最大 {max:.1f} 米；偏移区域（中国大陆）以外的 {outside} 个顶点保持不变。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="340" />
            <source>No valid mask for {raster} ({param} empty, no valid_mask_&lt;year&gt;.tif beside it): every pixel inside the raster is taken as valid, so invalid pixels (stored as 0) count as bare land.</source>
            <translation>{raster} 没有有效掩膜（{param} 为空，且其旁边没有 valid_mask_&lt;year&gt;.tif）：栅格范围内的所有像元都视为有效，因此无效像元（存储为 0）将被计为裸地。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="73" />
            <source>Out of memory. Please report this: the CISC tools should never need much.</source>
            <translation>内存不足。请报告此问题：CISC 工具本不应占用大量内存。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="244" />
            <source>{layer}: ZONES_OFFSET {offset} needs zones in longitude/latitude, EPSG:4326 (WGS84) or EPSG:4490 (CGCS2000), but the layer is in {crs}. The {offset} offset is defined on WGS84 longitudes and latitudes only: reproject the layer to EPSG:4326 first (Reproject layer keeps the offset), then run again. Nothing was computed.</source>
            <translation>{layer}：ZONES_OFFSET {offset} 要求分区使用经纬度坐标，即 EPSG:4326（WGS84）或 EPSG:4490（CGCS2000），但该图层为 {crs}。{offset} 偏移仅针对 WGS84 经纬度定义：请先将图层重投影到 EPSG:4326（“重投影图层”会保留偏移），然后重新运行。未进行任何计算。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="302" />
            <source>CISC raster (one year)</source>
            <translation>CISC 栅格（单一年份）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="302" />
            <source>Valid mask of that year</source>
            <translation>该年份的有效掩膜</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="303" />
            <location filename="../../plugin/processing/model_change_report.py" line="93" />
            <source>CISC raster, first year (from)</source>
            <translation>CISC 栅格，起始年份（从）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="303" />
            <location filename="../../plugin/processing/model_change_report.py" line="94" />
            <source>Valid mask of the first year</source>
            <translation>起始年份的有效掩膜</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="304" />
            <location filename="../../plugin/processing/model_change_report.py" line="95" />
            <source>CISC raster, second year (to)</source>
            <translation>CISC 栅格，结束年份（到）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="304" />
            <location filename="../../plugin/processing/model_change_report.py" line="96" />
            <source>Valid mask of the second year</source>
            <translation>结束年份的有效掩膜</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="333" />
            <source>{param} left empty: using the valid mask {mask} found beside {raster}.</source>
            <translation>{param} 为空：使用在 {raster} 旁找到的有效掩膜 {mask}。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="249" />
            <source>no CRS</source>
            <translation>无坐标参考系</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="291" />
            <location filename="../../plugin/processing/base.py" line="271" />
            <source>{name}: a CISC raster is required.</source>
            <translation>{name}：需要一个 CISC 栅格。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="358" />
            <source>{path}: the raster has no coordinate reference system; CISC rasters are in an Albers projection.</source>
            <translation>{path}：该栅格没有坐标参考系；CISC 栅格采用 Albers 投影。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="123" />
            <source>{algorithm} failed: {error} (details in the CISC log)</source>
            <translation>{algorithm} 运行失败：{error}（详情见 CISC 日志）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="280" />
            <source>{source}: not a raster file (provider {provider}); save it as a GeoTIFF first.</source>
            <translation>{source}：不是栅格文件（数据提供程序 {provider}）；请先将其另存为 GeoTIFF。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="165" />
            <source>Incorrect parameter value for {param}</source>
            <translation>参数 {param} 的值不正确</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/base.py" line="148" />
            <source>{param}: {path}: file not found.</source>
            <translation>{param}：{path}：文件不存在。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/crs_guard.py" line="34" />
            <source>a custom CRS</source>
            <translation>自定义坐标参考系</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/crs_guard.py" line="48" />
            <source>{layer}: the zones cannot be transformed from {src} to the raster's CRS {dst} (PROJ could not set up the transformation); nothing was computed. Check QGIS's PROJ installation (proj.db).</source>
            <translation>{layer}：无法将分区从 {src} 转换到栅格的坐标参考系 {dst}（PROJ 无法建立该转换）；未进行任何计算。请检查 QGIS 的 PROJ 安装（proj.db）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/crs_guard.py" line="197" />
            <source>{layer}: the zone layer has no CRS and its coordinates ({xmin:.4f}, {ymin:.4f} to {xmax:.4f}, {ymax:.4f}) look like longitude/latitude, not the raster's {dst} metres. Set the layer's CRS (e.g. EPSG:4490 or EPSG:4326) and run again; nothing was computed.</source>
            <translation>{layer}：分区图层没有坐标参考系，其坐标（{xmin:.4f}, {ymin:.4f} 至 {xmax:.4f}, {ymax:.4f}）看起来是经纬度，而不是栅格 {dst} 的米制坐标。请设置该图层的坐标参考系（例如 EPSG:4490 或 EPSG:4326）后重新运行；未进行任何计算。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/crs_guard.py" line="98" />
            <source>{layer}: the transformation from {src} to {dst} could not be checked (GDAL/PROJ cannot set it up); nothing was computed. Check QGIS's PROJ installation (proj.db).</source>
            <translation>{layer}：无法检查从 {src} 到 {dst} 的转换（GDAL/PROJ 无法建立该转换）；未进行任何计算。请检查 QGIS 的 PROJ 安装（proj.db）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/crs_guard.py" line="115" />
            <source>{layer}: transforming the zones from {src} to {dst} gave wrong coordinates: ({x:.6f}, {y:.6f}) became ({qx:.1f}, {qy:.1f}) where PROJ gives ({ox:.1f}, {oy:.1f}). QGIS's coordinate transformation is not working (PROJ state or installation); nothing was computed, so no statistic is wrong. Restart QGIS and check its PROJ installation.</source>
            <translation>{layer}：将分区从 {src} 转换到 {dst} 得到了错误的坐标：({x:.6f}, {y:.6f}) 变成了 ({qx:.1f}, {qy:.1f})，而 PROJ 给出的是 ({ox:.1f}, {oy:.1f})。QGIS 的坐标转换未正常工作（PROJ 状态或安装问题）；未进行任何计算，因此不会产生错误的统计结果。请重启 QGIS 并检查其 PROJ 安装。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="20" />
            <source>&lt;p&gt;&lt;b&gt;Pixel rule.&lt;/b&gt; A pixel belongs to a zone when its centre lies inside the zone (holes are excluded, multipart zones are the union of their parts, overlapping zones are each counted in full). Areas come from the raster's pixel size (equal-area projection), in km².&lt;/p&gt;</source>
            <translation>&lt;p&gt;&lt;b&gt;像元规则。&lt;/b&gt;像元中心位于分区内时，该像元属于该分区（不含内环孔洞，多部件分区取各部件的并集，相互重叠的分区各自完整计算）。面积由栅格像元大小（等积投影）计算，单位为 km²。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="28" />
            <source>&lt;p&gt;&lt;b&gt;Valid mask.&lt;/b&gt; A pixel is valid when it lies inside the raster, its valid mask is non-zero there and its value is a class 0..3. When the mask is left empty, a file valid_mask_&amp;lt;year&amp;gt;.tif beside the raster is used if present (the log says so); otherwise every pixel inside the raster is taken as valid and a warning says so. Without a mask a 0 cannot be told apart from an invalid pixel.&lt;/p&gt;</source>
            <translation>&lt;p&gt;&lt;b&gt;有效掩膜。&lt;/b&gt;像元位于栅格范围内、其有效掩膜在该处非零且像元值为 0..3 之一的类别时，该像元有效。掩膜留空时，如果栅格旁有 valid_mask_&amp;lt;year&amp;gt;.tif 文件则使用该文件（日志中会说明）；否则栅格范围内的所有像元都视为有效，并给出警告。没有掩膜时，无法将值 0 与无效像元区分开。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="37" />
            <source>&lt;p&gt;&lt;b&gt;Caveats.&lt;/b&gt; Invalid pixels (outside China, or without enough 2 m imagery) are stored as 0, the value of bare land: 0 is bare land only where the year's valid mask is set. Vegetation and water are auxiliary classes whose reliability is not guaranteed by the dataset's authors. The data are not clipped to coastlines or administrative boundaries.&lt;/p&gt;</source>
            <translation>&lt;p&gt;&lt;b&gt;注意事项。&lt;/b&gt;无效像元（位于中国境外，或缺少足够的 2 米影像）存储为 0，与裸地的值相同：只有在该年份有效掩膜有值的位置，0 才表示裸地。植被和水体为辅助类别，数据集作者不保证其可靠性。数据未按海岸线或行政边界裁剪。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="46" />
            <source>&lt;p&gt;&lt;b&gt;ZONES_OFFSET.&lt;/b&gt; Boundaries from Chinese web maps are offset by 100 to 700 m: GCJ-02 (AMap/Gaode, Tencent, DataV GeoAtlas) or BD-09 (Baidu). Choose the system and the zones (which must be in EPSG:4326 or EPSG:4490) are converted to WGS84 first, exactly (to 1 mm) inside mainland China; the log says how far their vertices moved. Leave it at None for boundaries from official or Tianditu data. Zone edges are reprojected exactly: densified until each lies within a tenth of a pixel of its true curve.&lt;/p&gt;</source>
            <translation>&lt;p&gt;&lt;b&gt;ZONES_OFFSET。&lt;/b&gt;来自中国网络地图的边界存在 100 至 700 米的偏移：GCJ-02（高德、腾讯、DataV GeoAtlas）或 BD-09（百度）。选择所用的坐标系后，分区（必须为 EPSG:4326 或 EPSG:4490）会先被精确转换为 WGS84（在中国大陆范围内精确到 1 毫米）；日志会说明其顶点移动了多远。对于来自官方或天地图的边界，请保持“无”。分区边界会被精确重投影：不断加密顶点，直到每条边与其真实曲线的偏差在十分之一像元以内。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="56" />
            <source>&lt;p&gt;&lt;b&gt;Cite.&lt;/b&gt; {citation}&lt;/p&gt;</source>
            <translation>&lt;p&gt;&lt;b&gt;引用。&lt;/b&gt;{citation}&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="11" />
            <source>Statistics</source>
            <translation>统计</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="12" />
            <source>Rasters</source>
            <translation>栅格</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="13" />
            <source>Imagery dates</source>
            <translation>影像日期</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="14" />
            <source>Coordinates</source>
            <translation>坐标</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="61" />
            <source>&lt;p&gt;Per zone: valid and invalid area, the area of each class (bare, impervious, vegetation, water) and the impervious share of the valid area, from one year of CISC (China Impervious Surface Cover, 30 m).&lt;/p&gt;&lt;p&gt;Output: every zone with all its attributes and geometry, plus valid_km2, invalid_km2, valid_pct, bare_km2, imperv_km2, veg_km2, water_km2, imperv_pct, each named COLUMN_PREFIX + field. Percentages are 0..100; NULL when undefined (a zone without pixel centres, or without valid pixels).&lt;/p&gt;&lt;p&gt;Zones in any CRS are transformed to the raster's CRS. A raster that is not CISC-like (floating point, several bands, values above 3) is refused.&lt;/p&gt;</source>
            <translation>&lt;p&gt;基于单一年份的 CISC（中国不透水面覆盖数据，30 米）按分区计算：有效面积和无效面积、各类别（裸地、不透水面、植被、水体）的面积，以及不透水面占有效面积的比例。&lt;/p&gt;&lt;p&gt;输出：每个分区及其全部属性和几何，另加 valid_km2、invalid_km2、valid_pct、bare_km2、imperv_km2、veg_km2、water_km2、imperv_pct 字段，字段名为 COLUMN_PREFIX + 字段。百分比取值 0..100；无法定义时为 NULL（分区内没有像元中心，或没有有效像元）。&lt;/p&gt;&lt;p&gt;任意坐标参考系的分区都会转换到栅格的坐标参考系。不符合 CISC 特征的栅格（浮点型、多波段、值大于 3）将被拒绝。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="70" />
            <source>&lt;p&gt;Per zone, over the pixels valid in both years: the area of the 16 transitions t&amp;lt;from&amp;gt;&amp;lt;to&amp;gt;_km2 (class codes 0 bare, 1 impervious, 2 vegetation, 3 water), impervious area then and now, gain (to impervious from any other class), loss, net change and growth_pct = 100 x (now - then) / then (NULL when then is 0); valid_km2, invalid_km2 and valid_pct (100 x pixel centres valid in both years / all the zone's pixel centres).&lt;/p&gt;&lt;p&gt;The two years must be on one grid (same pixel size and alignment; their extents may differ and must overlap). Each year has its own optional valid mask.&lt;/p&gt;</source>
            <translation>&lt;p&gt;按分区、基于两个年份均有效的像元计算：16 种转移 t&amp;lt;from&amp;gt;&amp;lt;to&amp;gt;_km2 的面积（类别代码 0 裸地、1 不透水面、2 植被、3 水体）、前后两期不透水面面积、增加（由其他任一类别转为不透水面）、减少、净变化以及 growth_pct = 100 x (后期 - 前期) / 前期（前期为 0 时为 NULL）；以及 valid_km2、invalid_km2 和 valid_pct（100 x 两个年份均有效的像元中心数 / 分区内全部像元中心数）。&lt;/p&gt;&lt;p&gt;两个年份必须位于同一网格（像元大小和对齐方式相同；范围可以不同，但必须重叠）。每个年份都有各自可选的有效掩膜。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="79" />
            <source>&lt;p&gt;A GeoTIFF (tiled, compressed) on the FROM raster's grid, optionally clipped to EXTENT: value 10 x class_from + class_to (e.g. 21 = vegetation -&gt; impervious) where the pixel is valid in both years, 255 (nodata) elsewhere. Loaded with a paletted style labelled "vegetation -&gt; impervious" etc. OUTPUT must be a .tif file other than the inputs. A cancelled or failed run (a full disk) leaves no file behind.&lt;/p&gt;</source>
            <translation>&lt;p&gt;基于起始（FROM）栅格网格的 GeoTIFF（分块、压缩），可选裁剪到 EXTENT：两个年份均有效的像元取值 10 x 起始类别 + 结束类别（例如 21 = 植被 -&gt; 不透水面），其余为 255（无数据）。加载时使用带有“植被 -&gt; 不透水面”等标签的调色板样式。OUTPUT 必须是不同于输入的 .tif 文件。取消或失败的运行（包括磁盘已满）不会留下任何文件。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="86" />
            <source>&lt;p&gt;Impervious percent of the valid pixels of each coarse cell of CELL_SIZE metres (default 1 km), on a grid starting at the raster's top-left corner. A pixel belongs to the cell holding its centre, so 1000 m cells hold 33 or 34 pixels a side (use 990 or 1020 m for cells of equal pixel count). Cells whose valid pixels cover less than MIN_VALID_PCT percent of the cell are nodata. Float32 GeoTIFF, loaded with a continuous 0..100 ramp.&lt;/p&gt;</source>
            <translation>&lt;p&gt;在以栅格左上角为起点、大小为 CELL_SIZE 米（默认 1 千米）的粗网格上，计算每个网格内有效像元中不透水面的百分比。像元归属于其中心所在的网格，因此 1000 米网格每边包含 33 或 34 个像元（如需各网格像元数相同，请使用 990 或 1020 米）。有效像元覆盖不足网格 MIN_VALID_PCT 百分比的网格为无数据。输出为 Float32 GeoTIFF，加载时使用 0..100 的连续色带。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="93" />
            <source>&lt;p&gt;Which imagery dates a zone's figures rest on: per zone the earliest, latest and area-weighted median acquisition date of the 2 m source imagery, and the share of the zone the date polygons cover (date_cover_pct).&lt;/p&gt;&lt;p&gt;DATES: the acquisition-date polygons (source_date_*_dissolve), or the zip itself (every shapefile inside is read). DATE_FIELD: detected when empty (a Date field, else a field whose name contains "date"); values such as 20200915, "2020-09-15" or "2020/09/15" are read. Areas are measured in an Albers equal-area projection for China.&lt;/p&gt;</source>
            <translation>&lt;p&gt;分区数值所依据的影像日期：按分区给出 2 米源影像最早、最晚及按面积加权的中位获取日期，以及日期面覆盖分区的比例（date_cover_pct）。&lt;/p&gt;&lt;p&gt;DATES：影像获取日期面（source_date_*_dissolve），或 zip 文件本身（读取其中所有 shapefile）。DATE_FIELD：留空时自动识别（日期类型字段，否则为名称中包含 "date" 的字段）；可读取 20200915、"2020-09-15" 或 "2020/09/15" 等值。面积在适用于中国的 Albers 等积投影中量算。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="101" />
            <source>&lt;p&gt;Converts a vector layer's coordinates between WGS84 and the offset systems of Chinese web maps: GCJ-02 (AMap/Gaode, Tencent, DataV GeoAtlas) and BD-09 (Baidu). Use GCJ-02 -&gt; WGS84 or BD-09 -&gt; WGS84 to fix boundaries downloaded from those services once and keep the result; the forward directions produce data that lines up with their maps.&lt;/p&gt;&lt;p&gt;The layer must be in EPSG:4326 or EPSG:4490. Every vertex is converted (Z and M kept); the inverse conversions are exact to 1 mm (the published forward formulas, inverted by iteration). Vertices outside the offset area (a box around mainland China) are left unchanged, as the services do. The output keeps the layer's fields and CRS.&lt;/p&gt;</source>
            <translation>&lt;p&gt;在 WGS84 与中国网络地图的偏移坐标系之间转换矢量图层的坐标：GCJ-02（高德、腾讯、DataV GeoAtlas）和 BD-09（百度）。使用 GCJ-02 -&gt; WGS84 或 BD-09 -&gt; WGS84 可一次性纠正从这些服务下载的边界并保存结果；正向转换生成的数据可与这些服务的地图对齐。&lt;/p&gt;&lt;p&gt;图层必须为 EPSG:4326 或 EPSG:4490。所有顶点都会被转换（保留 Z 值和 M 值）；逆向转换精确到 1 毫米（对公开的正向公式迭代求逆）。偏移区域（中国大陆周围的矩形范围）以外的顶点保持不变，与这些服务的做法一致。输出保留图层的字段和坐标参考系。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/help.py" line="111" />
            <source>&lt;p&gt;A PDF report of a statistics layer (the output of Zonal statistics or Change statistics), made as a QGIS print layout: a map of the zones shaded by the impervious share (one year) or the net change (2020 -&gt; 2022) with legend and scale bar, the key figures, charts, the table of the zones sorted by impervious area (areas to 0.0001 km², shares to 0.01 %), the zones whose valid coverage is below VALID_THRESHOLD, what the figures mean, and the dataset citation and DOI, in QGIS's language.&lt;/p&gt;&lt;p&gt;The zone boundaries and ZONES_OFFSET are those of the statistics run; YEAR only names the year of a one-year layer whose field names do not say it (COLUMN_PREFIX empty). OUTPUT must end in .pdf; it is written completely or not at all.&lt;/p&gt;</source>
            <translation>&lt;p&gt;统计图层（“分区统计”或“变化统计”的输出）的 PDF 报告，以 QGIS 打印布局制作：按不透水面占比（单一年份）或净变化（2020 -&gt; 2022）着色的分区地图（含图例和比例尺）、主要数据、图表、按不透水面面积排序的分区表格（面积精确到 0.0001 km²，占比精确到 0.01 %）、有效覆盖率低于 VALID_THRESHOLD 的分区、数据说明，以及数据集引用和 DOI，语言与 QGIS 界面一致。&lt;/p&gt;&lt;p&gt;分区边界和 ZONES_OFFSET 取自统计运行；YEAR 仅用于字段名未注明年份（COLUMN_PREFIX 为空）的单一年份图层。OUTPUT 必须以 .pdf 结尾；文件要么完整写出，要么不写出。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/model_change_report.py" line="51" />
            <source>Change report (statistics, change map, fraction)</source>
            <translation>变化报告（统计、变化图、比例）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/model_change_report.py" line="83" />
            <source>For a zone layer: change statistics per zone between two CISC years, the change map clipped to the zones' extent, and the impervious fraction of the second year on a coarse grid.</source>
            <translation>针对一个分区图层：两个 CISC 年份之间各分区的变化统计、裁剪到分区范围的变化图，以及结束年份在粗网格上的不透水面比例。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/model_change_report.py" line="87" />
            <source>CISC impervious surface plugin</source>
            <translation>CISC 不透水面插件</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/model_change_report.py" line="98" />
            <source>Cell size of the impervious fraction (metres)</source>
            <translation>不透水面比例的网格大小（米）</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/provider.py" line="16" />
            <source>CISC impervious surface</source>
            <translation>CISC 不透水面</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="327" />
            <source>feature {fid}</source>
            <translation>要素 {fid}</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="55" />
            <source>{name}: the zone layer {value} cannot be opened.</source>
            <translation>{name}：无法打开分区图层 {value}。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="60" />
            <source>{layer}: the zone layer holds no polygons ({kind}); choose a polygon layer.</source>
            <translation>{layer}：分区图层不含面要素（{kind}）；请选择面图层。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="69" />
            <source>Zones transformed from {src} to the raster's CRS {dst}.</source>
            <translation>分区已从 {src} 转换到栅格的坐标参考系 {dst}。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="141" />
            <source>Zone edges reprojected exactly: {count} vertices added so that no transformed edge departs from its true curve by more than {tolerance:g} (a tenth of a pixel).</source>
            <translation>分区边界已精确重投影：增加了 {count} 个顶点，使转换后的每条边与其真实曲线的偏差不超过 {tolerance:g}（十分之一像元）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="153" />
            <source>{layer}: the zone layer holds no polygons (no feature with a polygon geometry{selected}).</source>
            <translation>{layer}：分区图层不含面要素（没有面几何的要素{selected}）。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="160" />
            <source>{count} zone(s) could not be transformed to the raster's CRS.</source>
            <translation>{count} 个分区无法转换到栅格的坐标参考系。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="75" />
            <source>{layer}: the zone layer has no CRS; its coordinates are taken as the raster's.</source>
            <translation>{layer}：分区图层没有坐标参考系；其坐标按栅格的坐标参考系处理。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="115" />
            <source>Feature ({fid}) of {layer} has an invalid geometry and was skipped.</source>
            <translation>{layer} 的要素（{fid}）几何无效，已跳过。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="155" />
            <source>, or no feature selected</source>
            <translation>，或未选中任何要素</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="232" />
            <source>The zone layer already has a field {field}: set COLUMN_PREFIX (e.g. "cisc_") to keep both.</source>
            <translation>分区图层已有字段 {field}：请设置 COLUMN_PREFIX（例如 "cisc_"）以同时保留两者。</translation>
        </message>
        <message>
            <location filename="../../plugin/processing/zone_features.py" line="109" />
            <source>Feature ({fid}) of {layer} has an invalid geometry. Fix it (Fix geometries) or set Processing's invalid features filtering to skip or ignore invalid features.</source>
            <translation>{layer} 的要素（{fid}）几何无效。请修复（修复几何），或将 Processing 的无效要素过滤设置为跳过或忽略无效要素。</translation>
        </message>
        <message>
            <location filename="../../plugin/core/dataset.py" />
            <source>Bare land / other</source>
            <translation>裸地/其他</translation>
        </message>
        <message>
            <location filename="../../plugin/core/dataset.py" />
            <source>Impervious surface</source>
            <translation>不透水面</translation>
        </message>
        <message>
            <location filename="../../plugin/core/dataset.py" />
            <source>Vegetation (reference only)</source>
            <translation>植被（仅供参考）</translation>
        </message>
        <message>
            <location filename="../../plugin/core/dataset.py" />
            <source>Water body (reference only)</source>
            <translation>水体（仅供参考）</translation>
        </message>
    </context>
    <context>
        <name>AddLayersDialog</name>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Add CISC layers</source>
            <translation>添加 CISC 图层</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Layers</source>
            <translation>图层</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>CISC 2020</source>
            <translation>CISC 2020</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>CISC 2022</source>
            <translation>CISC 2022</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Valid-mask overlays (invalid area in grey)</source>
            <translation>有效掩膜叠加层（无效区域显示为灰色）</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Acquisition dates of the 2 m imagery</source>
            <translation>2 米影像的获取日期</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Source</source>
            <translation>数据源</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Files in a local folder</source>
            <translation>本地文件夹中的文件</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>…</source>
            <translation>…</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Stream from Zenodo (no download)</source>
            <translation>从 Zenodo 流式读取（不下载）</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Download to a folder, verified</source>
            <translation>下载到文件夹并校验</translation>
        </message>
        <message>
            <location filename="../../ui/add_layers_dialog.ui" />
            <source>Files</source>
            <translation>文件</translation>
        </message>
    </context>
    <context>
        <name>StatisticsDock</name>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Impervious surface statistics</source>
            <translation>不透水面统计</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Zones</source>
            <translation>分区</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Zones layer</source>
            <translation>分区图层</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Polygon layer of the zones (provinces, cities, counties…), in any CRS</source>
            <translation>分区的面图层（省、市、县……），任意坐标参考系</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Selected features only</source>
            <translation>仅所选要素</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Zone name field</source>
            <translation>分区名称字段</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Field used as zone label in the table and charts, and as join key</source>
            <translation>在表格和图表中作为分区名称、并作为连接键的字段</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Analysis and data</source>
            <translation>分析与数据</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Analysis</source>
            <translation>分析</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>CISC data</source>
            <translation>CISC 数据</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Layers in the project</source>
            <translation>项目中的图层</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Folder</source>
            <translation>文件夹</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Folder holding cisc_2020.tif, cisc_2022.tif and valid_mask_2020.tif, valid_mask_2022.tif</source>
            <translation>包含 cisc_2020.tif、cisc_2022.tif 以及 valid_mask_2020.tif、valid_mask_2022.tif 的文件夹</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Add the results as a new layer to the project</source>
            <translation>将结果作为新图层添加到项目</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Join the results onto the zones layer (by the zone name field)</source>
            <translation>将结果连接到分区图层（按分区名称字段）</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Table</source>
            <translation>表格</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Flag valid coverage below</source>
            <translation>标记有效覆盖率低于</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Zones whose valid share (inside the valid mask and the raster) is below this percentage are flagged</source>
            <translation>有效比例（位于有效掩膜和栅格范围内）低于此百分比的分区将被标记</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Copy</source>
            <translation>复制</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Copy the selected rows (or all rows) to the clipboard, tab-separated</source>
            <translation>将所选行（或全部行）以制表符分隔复制到剪贴板</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Export CSV…</source>
            <translation>导出 CSV…</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Export GeoPackage…</source>
            <translation>导出 GeoPackage…</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Export report…</source>
            <translation>导出报告…</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>A PDF report (map, charts, table, caveats, citation), also added to Project &gt; Layouts</source>
            <translation>PDF 报告（地图、图表、表格、注意事项、引用），同时添加到“项目 &gt; 布局”</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Charts</source>
            <translation>图表</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Top</source>
            <translation>前</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Transition matrix of the zone selected in the table (else all zones)</source>
            <translation>显示表格中所选分区的转移矩阵（否则为全部分区）</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Save chart as PNG…</source>
            <translation>将图表保存为 PNG…</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>About the data</source>
            <translation>关于数据</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Run</source>
            <translation>运行</translation>
        </message>
        <message>
            <location filename="../../ui/statistics_dock.ui" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
</TS>

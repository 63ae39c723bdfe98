<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis minScale="1e+08" styleCategories="AllStyleCategories" hasScaleBasedVisibilityFlag="0" version="3.22.16-Białowieża" maxScale="0">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal enabled="0" mode="0" fetchMode="0">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <customproperties>
    <Option type="Map">
      <Option type="QString" value="Value" name="identify/format"/>
    </Option>
  </customproperties>
  <pipe-data-defined-properties>
    <Option type="Map">
      <Option type="QString" value="" name="name"/>
      <Option name="properties"/>
      <Option type="QString" value="collection" name="type"/>
    </Option>
  </pipe-data-defined-properties>
  <pipe>
    <provider>
      <resampling maxOversampling="2" zoomedOutResamplingMethod="nearestNeighbour" zoomedInResamplingMethod="nearestNeighbour" enabled="false"/>
    </provider>
    <rasterrenderer band="1" opacity="1" type="paletted" nodataColor="" alphaBand="-1">
      <minMaxOrigin>
        <limits>None</limits>
        <extent>WholeRaster</extent>
        <statAccuracy>Estimated</statAccuracy>
        <cumulativeCutLower>0.02</cumulativeCutLower>
        <cumulativeCutUpper>0.98</cumulativeCutUpper>
        <stdDevFactor>2</stdDevFactor>
      </minMaxOrigin>
      <colorPalette>
        <paletteEntry color="#e8dcc0" label="bare -> bare" alpha="255" value="0"/>
        <paletteEntry color="#e34a33" label="bare -> impervious" alpha="255" value="1"/>
        <paletteEntry color="#9e8a5a" label="bare -> vegetation" alpha="255" value="2"/>
        <paletteEntry color="#6aa6cf" label="bare -> water" alpha="255" value="3"/>
        <paletteEntry color="#fdae61" label="impervious -> bare" alpha="255" value="10"/>
        <paletteEntry color="#7f0000" label="impervious -> impervious" alpha="255" value="11"/>
        <paletteEntry color="#a6d96a" label="impervious -> vegetation" alpha="255" value="12"/>
        <paletteEntry color="#74add1" label="impervious -> water" alpha="255" value="13"/>
        <paletteEntry color="#c2a5cf" label="vegetation -> bare" alpha="255" value="20"/>
        <paletteEntry color="#d7301f" label="vegetation -> impervious" alpha="255" value="21"/>
        <paletteEntry color="#b8d8a8" label="vegetation -> vegetation" alpha="255" value="22"/>
        <paletteEntry color="#4575b4" label="vegetation -> water" alpha="255" value="23"/>
        <paletteEntry color="#c9b48a" label="water -> bare" alpha="255" value="30"/>
        <paletteEntry color="#ef6548" label="water -> impervious" alpha="255" value="31"/>
        <paletteEntry color="#66bd63" label="water -> vegetation" alpha="255" value="32"/>
        <paletteEntry color="#c6dbef" label="water -> water" alpha="255" value="33"/>
        <paletteEntry color="#000000" label="no data (not valid in both years)" alpha="0" value="255"/>
      </colorPalette>
    </rasterrenderer>
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation colorizeRed="255" colorizeBlue="128" saturation="0" invertColors="0" colorizeOn="0" colorizeGreen="128" colorizeStrength="100" grayscaleMode="0"/>
    <rasterresampler maxOversampling="2"/>
    <resamplingStage>resamplingFilter</resamplingStage>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
